using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Replays the log, page by page in (tx_id, seq) order, through projections inside one open transaction: the inline
/// projections as the append ran them (transaction by transaction, one projection after the other over its events),
/// then each async projection up to a given position. Used by replay-and-verify (into shadow tables) and by the
/// inline rebuild (into the live tables, appends held off).
/// <para>
/// Three things overlap: a second connection (<paramref name="reader"/>, seeing the same events) reads the next page
/// while this one is folded, and the writes of a page are sent without waiting while the next is folded. The async
/// projections may write through a context of their own, on its own connection (<see cref="Target"/>): then two
/// server processes write at once. Row batches
/// are held across pages, up to <see cref="RowLimit"/> pending rows, so a guest's rows are written once per that many
/// rows rather than once per page: most of a replay's cost is the rows it writes, and an update costs PostgreSQL two
/// to three times an insert.
/// </para>
/// </summary>
sealed class LogReplay(EventTypeRegistry types, int pageSize, LogReplay.Reader reader)
{
    /// <summary>The connection (and transaction, for a snapshot) that reads the log's pages.</summary>
    public sealed record Reader(NpgsqlConnection Connection, NpgsqlTransaction? Transaction);

    /// <summary>
    /// Where projections write: a context, and the tables they fill there as the statements name them (analyzed as
    /// they grow).
    /// </summary>
    public sealed record Target(ProjectionContext Context, IReadOnlyCollection<string> Filling)
    {
        /// <summary>What runs on the target's connection once its last rows are written (a replay's comparison), while the other target may still be writing.</summary>
        public Func<CancellationToken, Task>? Then { get; init; }
    }

    /// <summary>
    /// Pending rows held before they are written out. The replay benchmark's rebuild peaked at 646 MiB (with the service's collector settings) holding about
    /// 660,000 (with two pages of events and their garbage).
    /// </summary>
    public required int RowLimit { get; init; }

    /// <param name="inlineTarget">Where the inline projections write (and the async ones, without <paramref name="asyncTarget"/>).</param>
    /// <param name="asyncTarget">Where the async projections write, when they have tables of their own on another connection.</param>
    public async Task<long> RunAsync(Target inlineTarget, Target? asyncTarget, string? chainId,
        IReadOnlyList<IProjection> inline, IReadOnlyList<(IProjection Projection, LogPosition UpTo)> asynchronous,
        long total, Func<long, long, ValueTask>? progress, CancellationToken ct)
    {
        var context = inlineTarget.Context;
        var asyncContext = asyncTarget?.Context ?? context;
        List<(ProjectionContext Context, GrowingTables Growing, Func<CancellationToken, Task>? Then)> targets =
            [.. new[] { inlineTarget, asyncTarget }.OfType<Target>().Select(t => (t.Context, new GrowingTables(t.Filling, pageSize), t.Then))];
        // The log's columns the projections read, and no more.
        var parts = inline.Concat(asynchronous.Select(a => a.Projection)).Aggregate(EventParts.None, (all, p) => all | p.Reads);
        // Each projection's events of a run are gathered in one list, reused (IProjection.ApplyAsync keeps none).
        var inlineHandles = inline.Select(p => (p, p.EventTypes.ToHashSet(), new List<StoredEvent>())).ToList();
        var asyncHandles = asynchronous.Select(a => (a.Projection.EventTypes.ToHashSet(), new List<StoredEvent>())).ToList();
        var replayed = 0L;
        if (progress is not null) await progress(0, total);
        var next = ReadPageAsync(chainId, LogPosition.Start, parts, ct);
        try
        {
            while (true)
            {
                var page = await next;
                if (page.Count == 0) break;
                next = ReadPageAsync(chainId, page[^1].Position, parts, ct);
                // The page is in (tx_id, seq) order: each transaction's events are a run of it.
                for (var start = 0; start < page.Count;)
                {
                    var end = start + 1;
                    while (end < page.Count && page[end].TxId == page[start].TxId) end++;
                    foreach (var (projection, handles, handled) in inlineHandles)
                        await ApplyAsync(projection, handles, handled, page, start, end, e => true, context, ct);
                    start = end;
                }
                foreach (var ((projection, upTo), (handles, handled)) in asynchronous.Zip(asyncHandles))
                    await ApplyAsync(projection, handles, handled, page, 0, page.Count, e => e.Position <= upTo, asyncContext, ct);
                replayed += page.Count;
                // Each target's writes go out while the next page folds (and, with two, at the same time), followed
                // by an analyze of the tables filling when they doubled or took many rows at once.
                foreach (var (target, growing, _) in targets)
                {
                    var writeRows = target.PendingRows >= RowLimit;
                    await target.SendAsync(writeRows, ct, writeRows || growing.Due(replayed) ? growing.Analyze(replayed) : null);
                }
                if (progress is not null) await progress(replayed, total);
            }
            await Task.WhenAll(targets.Select(async t =>
            {
                await t.Context.FlushAsync(ct);
                if (t.Then is not null) await t.Then(ct);
            }));
            return replayed;
        }
        finally
        {
            await Quietly(next);
            foreach (var (target, _, _) in targets) await Quietly(target.DrainAsync());
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

    /// <summary>
    /// Applies the events of page[start..end) that the projection handles and <paramref name="included"/> keeps,
    /// gathered in <paramref name="handled"/>.
    /// </summary>
    static async Task ApplyAsync(IProjection projection, HashSet<Type> handles, List<StoredEvent> handled,
        List<StoredEvent> page, int start, int end, Func<StoredEvent, bool> included, ProjectionContext context,
        CancellationToken ct)
    {
        handled.Clear();
        for (var i = start; i < end; i++)
            if (handles.Contains(page[i].Data.GetType()) && included(page[i])) handled.Add(page[i]);
        if (handled.Count > 0) await projection.ApplyAsync(handled, context, ct);
    }

    async Task<List<StoredEvent>> ReadPageAsync(string? chainId, LogPosition after, EventParts parts, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select {EventRows.ColumnsOf(parts)} from ledger.events
            where (tx_id, seq) > ($1, $2) {(chainId is null ? "" : "and chain_id = $4")}
            order by tx_id, seq
            limit $3
            """, reader.Connection, reader.Transaction);
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        return await EventRows.ReadAllAsync(command, types, ct, parts, pageSize);
    }

    /// <summary>Waits for work left running when the replay stopped early; its own error would only hide the first.</summary>
    static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The replay is already failing with the error that stopped it.
        }
    }
}
