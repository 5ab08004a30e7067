using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Api.Features.Jobs;

public sealed record JobCounts(long Guests, long EventsWritten);

/// <summary>
/// Points expiry and tier recompute over a whole chain, set-based: one query finds the guests with work to do, then
/// batches of guests are locked (their streams), re-read from the read models under the lock, and their events
/// appended in one transaction per batch. A run killed half-way loses only its open batch; running again (or late)
/// finds only what is still to do, so the events come out the same as one uninterrupted run on time.
/// </summary>
public sealed class LedgerJobs(LedgerStore store, int batchSize = LedgerJobs.DefaultBatchSize)
{
    public const int DefaultBatchSize = 500;

    /// <summary>Called after each committed batch with the number of guests done so far (for progress, and for tests).</summary>
    public Action<int>? AfterBatch { get; init; }

    /// <summary>Every lot whose expiry date is on or before <paramref name="asOf"/> (chain time zone) loses what is left of it.</summary>
    public async Task<JobCounts> ExpirePointsAsync(Chain chain, DateOnly asOf, CancellationToken ct)
    {
        var guests = await GuestsAsync("""
            select distinct guest_id from ledger.points_lots
            where chain_id = $1 and remaining > 0 and expires_on <= $2 order by guest_id
            """, ct, chain.Id, asOf);
        long written = 0;
        var done = 0;
        foreach (var batch in guests.Chunk(batchSize))
        {
            written += await InBatchAsync(chain, batch, PointsStream, "points", async (connection, tx) =>
            {
                await using var due = new NpgsqlCommand("""
                    select guest_id, lot_id, restaurant_id, remaining, expires_on from ledger.points_lots
                    where guest_id = any($1) and remaining > 0 and expires_on <= $2 order by guest_id, expires_on, lot_id
                    """, connection, tx) { Parameters = { new() { Value = batch }, new() { Value = asOf } } };
                await using var reader = await due.ExecuteReaderAsync(ct);
                var events = new List<(string, object)>();
                while (await reader.ReadAsync(ct))
                    events.Add((reader.GetString(0), new PointsExpired(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                        reader.GetInt64(3), reader.GetFieldValue<DateOnly>(4))));
                return events;
            }, ct);
            AfterBatch?.Invoke(done += batch.Length);
        }
        return new JobCounts(guests.Count, written);
    }

    /// <summary>
    /// Each membership's tier from its net spend in the <c>tierWindowMonths</c> up to the end of <paramref name="asOf"/>
    /// (chain time zone): a <see cref="TierChanged"/> only where the tier moves, up or down.
    /// </summary>
    public async Task<JobCounts> RecomputeTiersAsync(Chain chain, DateOnly asOf, CancellationToken ct)
    {
        var (from, to) = Window(chain, asOf);
        var candidates = await TierChangesAsync(chain, from, to, null, null, null, ct);
        long written = 0;
        var done = 0;
        foreach (var batch in candidates.Select(c => c.GuestId).Chunk(batchSize))
        {
            written += await InBatchAsync(chain, batch, MembershipStream, "membership", async (connection, tx) =>
                (await TierChangesAsync(chain, from, to, batch, connection, tx, ct))
                .Select(c => (c.GuestId, (object)new TierChanged(c.GuestId, c.From, c.To, c.Spend, asOf))).ToList(), ct);
            AfterBatch?.Invoke(done += batch.Length);
        }
        return new JobCounts(candidates.Count, written);
    }

    /// <summary>The spend window ending with <paramref name="asOf"/>'s last instant in the chain's time zone.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(Chain chain, DateOnly asOf)
    {
        var nextMidnight = asOf.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var to = new DateTimeOffset(nextMidnight, chain.TimeZone.GetUtcOffset(nextMidnight)).ToUniversalTime().AddTicks(-1);
        return (to.AddMonths(-chain.Programme.TierWindowMonths), to);
    }

    async Task<List<(string GuestId, string From, string To, decimal Spend)>> TierChangesAsync(Chain chain, DateTimeOffset from,
        DateTimeOffset to, string[]? only, NpgsqlConnection? connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        // Two statements rather than "($4 is null or …)": a generic plan would turn that into a filter over the whole chain.
        var sql = $"""
            select m.guest_id, m.tier,
                   coalesce(sum(s.amount) filter (where s.occurred_at > $2 and s.occurred_at <= $3), 0)
            from ledger.memberships m
            join ledger.guests g on g.guest_id = m.guest_id and g.merged_into is null
            left join ledger.guest_spend s on s.guest_id = m.guest_id
            where m.chain_id = $1 {(only is null ? "" : "and m.guest_id = any($4)")}
            group by m.guest_id, m.tier
            """;
        await using var owned = connection is null ? await store.DataSource.OpenConnectionAsync(ct) : null;
        await using var command = new NpgsqlCommand(sql, connection ?? owned, tx)
        {
            Parameters = { new() { Value = chain.Id }, new() { Value = from.ToUniversalTime() }, new() { Value = to.ToUniversalTime() } },
        };
        if (only is not null) command.Parameters.Add(new NpgsqlParameter { Value = only, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var changes = new List<(string, string, string, decimal)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var current = chain.Programme.TierNamed(reader.IsDBNull(1) ? null : reader.GetString(1)).Name;
            var spend = reader.GetDecimal(2);
            var target = chain.Programme.TierFor(spend).Name;
            if (target != current) changes.Add((reader.GetString(0), current, target, spend));
        }
        return changes;
    }

    async Task<List<string>> GuestsAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = store.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var guests = new List<string>();
        while (await reader.ReadAsync(ct)) guests.Add(reader.GetString(0));
        return guests;
    }

    /// <summary>One batch: lock the guests' streams, decide from the read models under the lock, append, commit.</summary>
    async Task<long> InBatchAsync(Chain chain, string[] guests, Func<string, string> streamOf, string kind,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<List<(string GuestId, object Event)>>> decide, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await store.LockStreamsAsync(connection, tx, guests.Select(streamOf), ct);
        var events = await decide(connection, tx);
        if (events.Count > 0)
            await store.AppendAsync(connection, tx, chain.Id,
                [.. events.GroupBy(e => e.GuestId).Select(g => new StreamAppend(streamOf(g.Key), kind, ExpectedVersion.Any, [.. g.Select(e => e.Event)]))],
                new EventMetadata { Actor = $"job:{kind}" }, ct);
        await tx.CommitAsync(ct);
        return events.Count;
    }
}
