namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// The accounting projection's statements. Each movement is booked the same way: dated by its POS time or its
/// local date in the chain's time zone; it belongs to that month and is booked in it, unless that month is
/// already closed, in which case it is booked in the first open month and counts from that month's start.
/// </summary>
static class AccountingEntrySql
{
    // "source" yields the movements (chain_id, seq, occurred_at, local_date, kind, issued_by, redeemer, lot_id, points,
    // value, ord): each dated by its POS time or its local date, and inserted in "ord" order. It may use the common
    // table expressions in "writes" (PostgreSQL allows data-modifying ones only at the top level).
    static string Book(string source, string? writes = null) => $"""
        with {(writes is null ? "" : writes + ",")}
        source (chain_id, seq, occurred_at, local_date, kind, issued_by, redeemer, lot_id, points, value, ord) as ({source})
        insert into ledger.accounting_entries (chain_id, seq, kind, issued_by, redeemer, lot_id, points, value,
                                               occurred_at, belongs_to, booked_in, effective_at)
        select c.chain_id, s.seq, s.kind, s.issued_by, s.redeemer, s.lot_id, s.points, s.value, d.at, d.belongs_to, b.booked_in,
               case when b.booked_in > d.belongs_to then b.booked_in::timestamp at time zone c.time_zone else d.at end
        from source s
        join ledger.accounting_chains c on c.chain_id = s.chain_id
        cross join lateral (select coalesce(s.occurred_at, s.local_date::timestamp at time zone c.time_zone) as at) a
        cross join lateral (select a.at, date_trunc('month', a.at at time zone c.time_zone)::date as belongs_to) d
        cross join lateral (select greatest(d.belongs_to, (c.closed_through + interval '1 month')::date) as booked_in) b
        order by s.ord
        """;

    /// <summary>
    /// Movements of lots (any number, of any events and chains), valued with each lot's point value: $1 chains,
    /// $2 event seqs, $3 POS times (or null), $4 local dates (or null), $5 kinds, $6 lots, $7 issuers, $8 redeemers,
    /// $9 points (<see cref="AccountingEntryRows"/>).
    /// </summary>
    public static readonly string LotMovements = Book("""
        select m.chain_id, m.seq, m.occurred_at, m.local_date, m.kind, coalesce(l.issued_by, m.issued_by), m.redeemer,
               m.lot_id, m.points, m.points * coalesce(l.point_value, 0), m.ord
        from unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::date[], $5::text[], $6::text[], $7::text[], $8::text[],
                    $9::bigint[]) with ordinality
             as m(chain_id, seq, occurred_at, local_date, kind, lot_id, issued_by, redeemer, points, ord)
        left join ledger.accounting_lots l on l.lot_id = m.lot_id
        """);

    // The shortfalls' statements: $1 chain, $2 event seq, $3 POS time (or null), $4 local date (or null), then their own.
    const string OneEvent = "$1::text, $2::bigint, $3::timestamptz, $4::date";

    /// <summary>A void's shortfall: $5 guest, $6 restaurant, $7 order, $8 points; valued as the order's own lot.</summary>
    public static readonly string ShortfallOwed = Owed("""
        coalesce((select point_value from ledger.accounting_lots
                  where chain_id = $1 and issued_by = $6 and order_id = $7 limit 1), 0)
        """);

    /// <summary>
    /// <see cref="ShortfallOwed"/> with the order's lot's point value given ($9), by a replay that knows it
    /// (<see cref="AccountingFacts"/>): it reads no lot, so the pending lots need not be written out ahead of it.
    /// </summary>
    public static readonly string ShortfallOwedValued = Owed("$9::numeric");

    static string Owed(string pointValue) => Book(
        $"select {OneEvent}, 'voided', restaurant_id, null::text, null::text, points, points * point_value, 1 from claim", $"""
        claim as (
            insert into ledger.accounting_claims (chain_id, guest_id, restaurant_id, points, point_value)
            select $1, $5, $6, $8, {pointValue}
            returning restaurant_id, points, point_value)
        """);

    /// <summary>Points that paid off what guest $5 owed ($6 points), oldest claim first: the shortfall's void is undone.</summary>
    public static readonly string ShortfallRepaid = Book(
        $"select {OneEvent}, 'voided', restaurant_id, null::text, null::text, -points, -points * point_value, claim_id from taken",
        TakeClaims("$5", "$6"));

    /// <summary>A merge moved $3 owed points from guest $1 to guest $2 ($4 chain): the claims keep their restaurants.</summary>
    public static readonly string ShortfallMoved = $"""
        with {TakeClaims("$1", "$3")}
        insert into ledger.accounting_claims (chain_id, guest_id, restaurant_id, points, point_value)
        select $4, $2, restaurant_id, points, point_value from taken order by claim_id
        """;

    /// <summary>
    /// Two common table expressions: "taken" takes <paramref name="points"/> from the guest's claims, oldest first,
    /// and returns what it took from each.
    /// </summary>
    static string TakeClaims(string guest, string points) => $"""
        owed as (
            select claim_id, points, sum(points) over (order by claim_id) - points as ahead
            from ledger.accounting_claims where guest_id = {guest} and points > 0),
        taken as (
            update ledger.accounting_claims k set points = k.points - least(o.points, {points}::bigint - o.ahead)
            from owed o
            where k.claim_id = o.claim_id and o.ahead < {points}::bigint
            returning k.claim_id, k.restaurant_id, least(o.points, {points}::bigint - o.ahead) as points, k.point_value)
        """;
}
