using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Replays the log, page by page in (tx_id, seq) order, through projections inside one open transaction: the inline
/// projections as the append ran them (transaction by transaction, one projection after the other over its events),
/// then each async projection up to a given position. Used by replay-and-verify (into shadow tables) and by the
/// inline rebuild (into the live tables, appends held off).
/// </summary>
sealed class LogReplay(EventTypeRegistry types, int pageSize)
{
    /// <param name="filling">The tables the projections fill, as the statements name them (analyzed as they grow).</param>
    public async Task<long> RunAsync(ProjectionContext context, string? chainId, IReadOnlyList<IProjection> inline,
        IReadOnlyList<(IProjection Projection, LogPosition UpTo)> asynchronous, long total,
        Func<long, long, ValueTask>? progress, IReadOnlyCollection<string> filling, CancellationToken ct)
    {
        var growing = new GrowingTables(filling, pageSize);
        var replayed = 0L;
        if (progress is not null) await progress(0, total);
        var after = LogPosition.Start;
        while (true)
        {
            var page = await ReadPageAsync(context, chainId, after, ct);
            if (page.Count == 0) return replayed;
            foreach (var appended in page.GroupBy(e => e.TxId))
                await ApplyAsync(inline, appended.ToList(), context, ct);
            foreach (var (projection, upTo) in asynchronous)
                await ApplyAsync([projection], page.Where(e => e.Position <= upTo).ToList(), context, ct);
            await context.FlushAsync(ct);
            replayed += page.Count;
            after = page[^1].Position;
            await growing.AfterAsync(replayed, context.Connection, context.Transaction, ct);
            if (progress is not null) await progress(replayed, total);
        }
    }

    public static async Task<long> CountAsync(ProjectionContext context, string? chainId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select count(*) from ledger.events" + (chainId is null ? "" : " where chain_id = $1"),
            context.Connection, context.Transaction);
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    static async Task ApplyAsync(IEnumerable<IProjection> projections, List<StoredEvent> events,
        ProjectionContext context, CancellationToken ct)
    {
        foreach (var projection in projections)
        {
            var handled = events.Where(e => projection.EventTypes.Contains(e.Data.GetType())).ToList();
            if (handled.Count > 0) await projection.ApplyAsync(handled, context, ct);
        }
    }

    async Task<List<StoredEvent>> ReadPageAsync(ProjectionContext context, string? chainId, LogPosition after,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select {EventRows.Columns} from ledger.events
            where (tx_id, seq) > ($1, $2) {(chainId is null ? "" : "and chain_id = $4")}
            order by tx_id, seq
            limit $3
            """, context.Connection, context.Transaction);
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        return await EventRows.ReadAllAsync(command, types, ct);
    }
}
