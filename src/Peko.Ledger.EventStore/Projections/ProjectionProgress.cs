using System.Diagnostics;
using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// How far an async projection has got, for readers that must see everything committed before they asked (a month's
/// report, a close). Works across processes: it compares the projection's durable checkpoint with the log.
/// </summary>
public sealed class ProjectionProgress(NpgsqlDataSource dataSource, EventTypeRegistry types, LedgerStoreOptions options)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Waits until the projection has applied every event of its types committed before this call; false if that
    /// takes longer than <paramref name="timeout"/> (the runner is behind, or runs nowhere). The target is the newest
    /// committed event, not the newest below the runner's horizon: an older transaction still running anywhere in the
    /// cluster holds the horizon back, and the caller must still see its own last write.
    /// </summary>
    public async Task<bool> WaitForCommittedAsync(string projection, TimeSpan timeout, CancellationToken ct)
    {
        var names = options.AsyncProjections.Single(p => p.Name == projection).EventTypes
            .SelectMany(types.StoredNamesOf).Distinct().ToArray();
        await using var command = dataSource.CreateCommand("""
            select tx_id, seq from ledger.events
            where type = any($1)
            order by tx_id desc, seq desc limit 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return true;
        var head = new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
        return await WaitForAsync(projection, head, timeout, ct);
    }

    /// <summary>Waits until the projection's checkpoint is at or past <paramref name="position"/>.</summary>
    public async Task<bool> WaitForAsync(string projection, LogPosition position, TimeSpan timeout, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (await CheckpointAsync(projection, ct) < position)
        {
            if (waited.Elapsed >= timeout) return false;
            await Task.Delay(Poll, ct);
        }
        return true;
    }

    public async Task<LogPosition> CheckpointAsync(string projection, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("select tx_id, seq from ledger.projection_checkpoints where name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : LogPosition.Start;
    }
}

/// <summary>An async projection has not yet applied what a reader needs; the reader should retry shortly.</summary>
public sealed class ProjectionBehindException(string projection)
    : Exception($"Projection '{projection}' is still applying recent events.")
{
    public string Projection { get; } = projection;
}
