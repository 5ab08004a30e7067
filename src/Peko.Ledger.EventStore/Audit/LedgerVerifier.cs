using Npgsql;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// Proves the log is what the append path wrote: recomputes every stream's hash chain (naming each event edited,
/// deleted, inserted or reordered by direct SQL), then each chain's running hash against its sealed checkpoints; when
/// all is clean, seals new checkpoints. Reads a page at a time: memory holds two pages and one stream, not the log.
/// </summary>
public sealed class LedgerVerifier(NpgsqlDataSource dataSource, AuditOptions options, TimeProvider time)
{
    public async Task<VerifyReport> VerifyAsync(string? chainId = null, bool seal = true, CancellationToken ct = default)
    {
        // The two passes read the log in different orders (stream by stream; in log order) on their own connections:
        // they run side by side, so the database and the hashing overlap.
        var sealing = BackgroundWork.Run(() => new LogSeal(dataSource, options).CheckAsync(chainId, ct), ct);
        var findings = new List<AuditFinding>();
        var (streams, events) = (0L, 0L);
        await foreach (var (chain, stream, version, rows) in AuditStreams.ReadAsync(dataSource, chainId, ct))
        {
            streams++;
            events += rows.Count;
            findings.AddRange(StreamChain.Check(chain, stream, version, rows));
        }

        var log = await sealing;
        findings.AddRange(log.Findings);
        var sealedNow = seal && findings.Count == 0
            ? await Checkpoints.SaveAsync(dataSource, log.ToSeal, time.GetUtcNow(), ct)
            : 0;
        return new VerifyReport(streams, events, log.Checked, sealedNow, findings);
    }
}
