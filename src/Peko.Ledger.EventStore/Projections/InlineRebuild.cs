using Microsoft.Extensions.Logging;
using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Rebuilds the inline projections from zero, into the live tables. They share tables (a guest's membership row is
/// made by one and moved on by another), so they are rebuilt together. An inline projection's rows must never be
/// behind their events, so appends wait while it runs: the rebuild locks <c>ledger.streams</c> against writes (every
/// append writes its stream's row), then resets the projections and replays the whole log in one transaction. Reads
/// go on and see the old rows until it commits. An operator's repair after a projection's code was fixed; replay and
/// verify (<see cref="Audit.ReplayVerifier"/>) says whether one is needed.
/// </summary>
public sealed class InlineRebuild(NpgsqlDataSource dataSource, EventTypeRegistry types, LedgerStoreOptions options,
    ILogger<InlineRebuild> logger)
{
    public int PageSize { get; init; } = 10_000;

    /// <summary>Rows folded in memory before they are written out (<see cref="LogReplay.RowLimit"/>).</summary>
    public int RowLimit { get; init; } = ProjectionContext.DefaultRowLimit;

    public IReadOnlyList<string> Names => [.. options.InlineProjections.Select(p => p.Name)];

    public async Task<long> RebuildAsync(Func<long, long, ValueTask>? progress = null, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand("lock table ledger.streams in share row exclusive mode", connection, tx))
        {
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(ct);
        }
        logger.LogWarning("Rebuilding the inline projections {Projections}: appends wait until it ends", Names);
        var context = new ProjectionContext(connection, tx);
        foreach (var projection in options.InlineProjections) await projection.ResetAsync(context, ct);
        await context.FlushAsync(ct);
        context.TrackRowsIntoEmptyTables();
        // The log cannot change while streams are locked, so a second connection reads the same events ahead.
        await using var reader = await dataSource.OpenConnectionAsync(ct);
        var filling = options.InlineProjections.SelectMany(p => p.Tables).Distinct().Select(t => "ledger." + t).ToList();
        var replayed = await new LogReplay(types, PageSize, new LogReplay.Reader(reader, null)) { RowLimit = RowLimit }
            .RunAsync(new LogReplay.Target(context, filling), null, null, options.InlineProjections, [],
                await LogReplay.CountAsync(context, null, ct), progress, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Inline projections rebuilt from {Events} events", replayed);
        return replayed;
    }
}
