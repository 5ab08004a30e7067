using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// Reads the log for audits a page at a time (keyset, never the whole set in memory): by chain in log order (tx_id, seq)
/// for checkpoints and exports, only below the oldest running transaction so the order read is final
/// (docs/architecture.md). Verify's pass by stream is <see cref="AuditStreams"/>.
/// </summary>
public static class AuditLog
{
    public const int PageSize = 5000;

    /// <summary>
    /// Pages of the log in (tx_id, seq) order after <paramref name="after"/> and up to <paramref name="until"/>
    /// (inclusive), one chain or all, committed only.
    /// </summary>
    public static IAsyncEnumerable<List<AuditedEvent>> LogAsync(NpgsqlDataSource dataSource, string? chainId,
        LogPosition after, LogPosition? until, CancellationToken ct) =>
        PagesAsync(dataSource, AuditedEvent.Columns, AuditedEvent.Read, e => e.Position, chainId, after, until, ct);

    /// <summary>As <see cref="LogAsync"/>, only each event's chain, position and hash: what running hashes need.</summary>
    public static IAsyncEnumerable<List<LoggedHash>> HashesAsync(NpgsqlDataSource dataSource, string? chainId,
        LogPosition after, LogPosition? until, CancellationToken ct) =>
        PagesAsync(dataSource, "chain_id, tx_id, seq, hash",
            r => new LoggedHash(r.GetString(0), new LogPosition(r.GetFieldValue<ulong>(1), r.GetInt64(2)),
                r.IsDBNull(3) ? null : r.GetFieldValue<byte[]>(3)),
            h => h.Position, chainId, after, until, ct);

    static async IAsyncEnumerable<List<T>> PagesAsync<T>(NpgsqlDataSource dataSource, string columns,
        Func<NpgsqlDataReader, T> read, Func<T, LogPosition> positionOf, string? chainId, LogPosition after,
        LogPosition? until, [EnumeratorCancellation] CancellationToken ct)
    {
        var sql = $"""
            select {columns} from ledger.events
            where (tx_id, seq) > ($1, $2) and (tx_id, seq) <= ($3, $4) and tx_id < pg_snapshot_xmin(pg_current_snapshot())
              {(chainId is null ? "" : "and chain_id = $6")}
            order by tx_id, seq limit $5
            """;
        var end = until ?? new LogPosition(ulong.MaxValue >> 1, long.MaxValue);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        while (true)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
            command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = end.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = end.Seq });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
            if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
            var page = new List<T>(PageSize);
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) page.Add(read(reader));
            if (page.Count > 0) yield return page;
            if (page.Count < PageSize) yield break;
            after = positionOf(page[^1]);
        }
    }
}

/// <summary>An event's chain, place in the log and stored hash.</summary>
public sealed record LoggedHash(string ChainId, LogPosition Position, byte[]? Hash);
