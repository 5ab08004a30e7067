using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// A contiguous stretch of a chain's log (in log order) for an export: from the first event recorded at or after
/// <c>from</c> to the last recorded before <c>to</c>, with everything between them, so its hashes can be checked from
/// the file alone. Writers' clocks are read before their transaction takes its place in the log, so near the edges an
/// event recorded a moment outside the instants can be inside the stretch.
/// </summary>
public sealed record LogRange(LogPosition First, LogPosition Last, long EventsBefore, byte[] RunningHashBefore)
{
    /// <summary>The stretch, or null when the chain recorded nothing in it.</summary>
    public static async Task<LogRange?> FindAsync(NpgsqlDataSource dataSource, string chainId, DateTimeOffset? from,
        DateTimeOffset? to, CancellationToken ct)
    {
        var first = await EdgeAsync(dataSource, chainId, "recorded_at >= $2", "asc", from ?? DateTimeOffset.MinValue, ct);
        var last = await EdgeAsync(dataSource, chainId, "recorded_at < $2", "desc", to ?? DateTimeOffset.MaxValue, ct);
        if (first is not { } start || last is not { } end || end < start) return null;

        // The running hash before the stretch: from the last checkpoint before it, over the hashes in between.
        var checkpoint = await Checkpoints.LastBeforeAsync(dataSource, chainId, start, ct);
        var (events, running) = checkpoint is null ? (0L, EventHash.Start) : (checkpoint.Events, checkpoint.RunningHash);
        await foreach (var page in AuditLog.HashesAsync(dataSource, chainId, checkpoint?.Position ?? LogPosition.Start, start, ct))
            foreach (var e in page.Where(e => e.Position < start))
                (events, running) = (events + 1, EventHash.Next(running, e.Hash ?? new byte[32]));
        return new LogRange(start, end, events, running);
    }

    static async Task<LogPosition?> EdgeAsync(NpgsqlDataSource dataSource, string chainId, string condition, string direction,
        DateTimeOffset at, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            select tx_id, seq from ledger.events
            where chain_id = $1 and {condition} and tx_id < pg_snapshot_xmin(pg_current_snapshot())
            order by tx_id {direction}, seq {direction} limit 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : null;
    }
}
