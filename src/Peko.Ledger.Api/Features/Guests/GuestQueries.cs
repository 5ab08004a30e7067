using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.EventStore;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Api.Features.Guests;

/// <summary>Reads of guests from the read models: what a till, a manager or an auditor sees.</summary>
public sealed class GuestQueries(NpgsqlDataSource dataSource, LedgerStore store, TimeProvider time, SpendThresholds thresholds)
{
    /// <summary>What a till shows of the guest holding an identifier (found in the same query), or null.</summary>
    public Task<LookupResponse?> LookupAsync(Chain chain, GuestIdentifier id, CancellationToken ct) =>
        LookupAsync(chain, "(select guest_id from ledger.guest_identifiers where chain_id = $1 and kind = $4 and value = $5)",
            [id.Kind.ToString(), id.Value], ct);

    public Task<LookupResponse?> LookupAsync(Chain chain, string guestId, CancellationToken ct) =>
        LookupAsync(chain, "$4", [guestId], ct);

    /// <param name="guestSql">The SQL of the guest's id: $1 is the chain; <paramref name="parameters"/> are $4 on.</param>
    async Task<LookupResponse?> LookupAsync(Chain chain, string guestSql, object[] parameters, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        Tier tier;
        (string? Name, LastVisit? Visit, long Balance, long Pending, decimal Spend) guest;
        decimal[]? spends = null;
        DateTimeOffset computedAt = default;
        // The connection goes back to the pool before the thresholds may be computed on another.
        string guestId;
        await using (var query = dataSource.CreateCommand($"""
            select g.display_name, g.last_visit_restaurant, r.name, g.last_visit_at, m.tier, p.deficit,
                   coalesce(l.held, 0), coalesce(l.pending, 0), m.window_spend, t.thresholds, t.computed_at, g.guest_id
            from ledger.guests g
            join ledger.memberships m on m.guest_id = g.guest_id
            join ledger.guest_points p on p.guest_id = g.guest_id
            left join ledger.spend_thresholds t on t.chain_id = g.chain_id
            left join ledger.restaurants r on r.chain_id = g.chain_id and r.restaurant_id = g.last_visit_restaurant
            left join lateral (
                select sum(remaining) as held, sum(remaining) filter (where spendable_from > $2) as pending
                from ledger.points_lots where guest_id = g.guest_id and remaining > 0 and expires_on > $3) l on true
            where g.chain_id = $1 and g.guest_id = {guestSql}
            """))
        {
            foreach (var p in (object[])[chain.Id, now, chain.LocalDate(now), .. parameters]) query.Parameters.AddWithValue(p);
            await using var r = await query.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return null;
            guestId = r.GetString(11);
            tier = chain.Programme.TierNamed(r.IsDBNull(4) ? null : r.GetString(4));
            guest = (Text(r, 0), Visit(r, 1, 2, 3), r.GetInt64(6) - r.GetInt64(5), r.GetInt64(7), r.GetDecimal(8));
            if (!r.IsDBNull(9)) (spends, computedAt) = (r.GetFieldValue<decimal[]>(9), r.GetFieldValue<DateTimeOffset>(10));
        }
        if (spends is null) spends = await thresholds.FirstAsync(chain.Id, ct); // the chain's first lookup
        else thresholds.RefreshIfStale(chain.Id, computedAt);
        var percentile = SpendThresholds.PercentileOf(guest.Spend, spends);
        return new LookupResponse(guestId, guest.Name, tier.Name, guest.Balance, guest.Pending, chain.Programme.PointValue,
            guest.Visit, percentile, Vip: percentile >= 95 || (chain.Programme.Tiers.Count > 1 && tier == chain.Programme.Tiers[^1]));
    }

    public async Task<GuestResponse?> GetAsync(Chain chain, string guestId, bool unmasked, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var today = chain.LocalDate(now);
        await using var batch = dataSource.CreateBatch();
        Add(batch, """
            select g.display_name, g.created_at, g.last_visit_restaurant, r.name, g.last_visit_at, m.tier, p.deficit,
                   (select coalesce(sum(amount), 0) from ledger.guest_spend s where s.guest_id = g.guest_id and s.occurred_at > $3)
            from ledger.guests g
            join ledger.memberships m on m.guest_id = g.guest_id
            join ledger.guest_points p on p.guest_id = g.guest_id
            left join ledger.restaurants r on r.chain_id = g.chain_id and r.restaurant_id = g.last_visit_restaurant
            where g.chain_id = $1 and g.guest_id = $2
            """, chain.Id, guestId, now.AddMonths(-chain.Programme.TierWindowMonths));
        Add(batch, "select kind, value from ledger.guest_identifiers where guest_id = $1 order by kind, value", guestId);
        Add(batch, """
            select lot_id, restaurant_id, points, remaining, earned_at, spendable_from, expires_on from ledger.points_lots
            where guest_id = $1 and remaining > 0 and expires_on > $2 order by expires_on, earned_at, lot_id
            """, guestId, today);
        await using var r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var (name, created, visit, tier, deficit, spend) = (Text(r, 0), r.GetFieldValue<DateTimeOffset>(1), Visit(r, 2, 3, 4),
            chain.Programme.TierNamed(Text(r, 5)).Name, r.GetInt64(6), r.GetDecimal(7));
        await r.NextResultAsync(ct);
        var ids = new List<IdentifierResponse>();
        while (await r.ReadAsync(ct))
        {
            var id = new GuestIdentifier(Enum.Parse<IdentifierKind>(r.GetString(0)), r.GetString(1));
            ids.Add(new IdentifierResponse(KindName(id.Kind), unmasked ? id.Value : id.Masked));
        }
        await r.NextResultAsync(ct);
        var lots = new List<LotResponse>();
        while (await r.ReadAsync(ct))
            lots.Add(new LotResponse(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3),
                r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateOnly>(6)));
        return new GuestResponse(guestId, name, created, ids, lots.Sum(l => l.Remaining) - deficit,
            lots.Where(l => l.SpendableFrom > now).Sum(l => l.Remaining), tier, spend, chain.Programme.TierWindowMonths, visit, lots);
    }

    /// <summary>The guest an id stands for now: itself, or the guest it was (transitively) merged into; null if unknown.</summary>
    public async Task<string?> FollowAsync(string chainId, string guestId, CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand("""
            with recursive chain_of(guest_id, merged_into, depth) as (
                select guest_id, merged_into, 0 from ledger.guests where chain_id = $1 and guest_id = $2
                union all
                select g.guest_id, g.merged_into, c.depth + 1
                from chain_of c join ledger.guests g on g.guest_id = c.merged_into where c.depth < 32)
            select guest_id from chain_of where merged_into is null
            """);
        query.Parameters.AddWithValue(chainId);
        query.Parameters.AddWithValue(guestId);
        return await query.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Has the guest ever visited the restaurant? A manager sees only such guests.</summary>
    public async Task<bool> VisitedAsync(string chainId, string guestId, string restaurantId, CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand(
            "select 1 from ledger.guest_visits where chain_id = $1 and restaurant_id = $2 and guest_id = $3");
        foreach (var p in new object[] { chainId, restaurantId, guestId }) query.Parameters.AddWithValue(p);
        return await query.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<GuestPage> ListAsync(string chainId, string? restaurantId, string? cursor, int limit, CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand(restaurantId is null
            ? """
              select guest_id, display_name, last_visit_at from ledger.guests
              where chain_id = $1 and guest_id > $2 order by guest_id limit $3
              """
            : """
              select v.guest_id, g.display_name, v.last_visit_at from ledger.guest_visits v
              join ledger.guests g on g.guest_id = v.guest_id
              where v.chain_id = $1 and v.guest_id > $2 and v.restaurant_id = $4 order by v.guest_id limit $3
              """);
        foreach (var p in new object[] { chainId, cursor ?? "", limit + 1, restaurantId ?? "" }) query.Parameters.AddWithValue(p);
        await using var r = await query.ExecuteReaderAsync(ct);
        var items = new List<GuestListItem>();
        while (await r.ReadAsync(ct))
            items.Add(new GuestListItem(r.GetString(0), Text(r, 1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2)));
        return items.Count > limit ? new GuestPage(items[..limit], items[limit - 1].GuestId) : new GuestPage(items, null);
    }

    /// <summary>
    /// Every event of the guest's three streams, in the order they were written, with their metadata. Identifier
    /// values are masked unless <paramref name="unmasked"/> (admins), as in the guest view.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string guestId, bool unmasked, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var streams = await store.ReadStreamsAsync(connection, null,
            [GuestStream(guestId), PointsStream(guestId), MembershipStream(guestId)], ct);
        return streams.Values.SelectMany(s => s).OrderBy(e => e.Seq)
            .Select(e => new HistoryEntry(e.Seq, e.StreamId, e.Version, e.TypeName,
                e.Data is GuestIdentifierLinked linked && !unmasked
                    ? linked with { Value = new GuestIdentifier(linked.Kind, linked.Value).Masked }
                    : e.Data, e.RecordedAt, e.Metadata.Actor,
                e.Metadata.RestaurantId, e.Metadata.IdempotencyKey, e.Metadata.CorrelationId))
            .ToList();
    }

    public static string KindName(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Phone => "phone", IdentifierKind.Email => "email", IdentifierKind.Zalo => "zaloId", _ => "posCustomerId",
    };

    static void Add(NpgsqlBatch batch, string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        batch.BatchCommands.Add(command);
    }

    static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    static LastVisit? Visit(NpgsqlDataReader r, int restaurant, int name, int at) =>
        r.IsDBNull(restaurant) ? null : new LastVisit(r.GetString(restaurant), Text(r, name), r.GetFieldValue<DateTimeOffset>(at));
}
