using Npgsql;
using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary><c>ledger.accounting_lots</c>: each lot's issuer and point value, fixed at issue (the first record wins).</summary>
public sealed class AccountingLotRows : RowBatch
{
    readonly Dictionary<string, (string ChainId, LotIssued Lot)> _lots = new(StringComparer.Ordinal);

    public override int Order => RowOrder.AccountingLots;
    public override bool Folds => false; // inserted, seldom changed
    public override IReadOnlyCollection<string> Tables { get; } = ["accounting_lots"];
    public override int Count => _lots.Count;

    public void Issue(string chainId, LotIssued lot) => _lots.TryAdd(lot.LotId, (chainId, lot));

    public override IEnumerable<RowWrite> Writes()
    {
        // In a replay into empty tables, a lot already written keeps its first record, and the rest are new.
        List<KeyValuePair<string, (string ChainId, LotIssued Lot)>> added = new(_lots.Count), unknown = [];
        foreach (var lot in _lots)
        {
            var state = Keys?.Ask("accounting_lots", lot.Key, guestId: null) ?? RowState.Unknown;
            if (state == RowState.New) added.Add(lot);
            else if (state == RowState.Unknown) unknown.Add(lot);
        }
        if (added.Count > 0)
            yield return Insert("accounting_lots", added).Text("lot_id", l => l.Key).Text("chain_id", l => l.Value.ChainId)
                .Text("issued_by", l => l.Value.Lot.IssuedBy).Text("order_id", l => l.Value.Lot.OrderId)
                .Numeric("point_value", l => l.Value.Lot.PointValue);
        if (unknown.Count > 0)
            yield return Command("""
                insert into ledger.accounting_lots (lot_id, chain_id, issued_by, order_id, point_value)
                select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[])
                on conflict (lot_id) do nothing
                """, Texts(unknown.Select(l => l.Key)), Texts(unknown.Select(l => l.Value.ChainId)),
                Texts(unknown.Select(l => l.Value.Lot.IssuedBy)), Texts(unknown.Select(l => l.Value.Lot.OrderId)),
                Numerics(unknown.Select(l => l.Value.Lot.PointValue)));
    }
}

/// <summary>
/// <c>ledger.accounting_entries</c>: lot movements, each valued with its lot's point value and booked by
/// <see cref="AccountingEntrySql"/>'s rule (its month, or the first open month when that one is closed). Entries
/// are inserted in log order. Their lots are written first (<see cref="RowOrder"/>).
/// </summary>
public sealed class AccountingEntryRows : RowBatch
{
    readonly List<(string ChainId, long Seq, DateTimeOffset? At, DateOnly? LocalDate, LotMovement Movement)> _entries = [];

    public override int Order => RowOrder.AccountingEntries;
    public override bool Folds => false; // inserted, seldom changed
    // No key, never read back while projecting: a shortfall's statement booking its own entry leaves these pending.
    public override bool AppendsOnly => true;
    // Valued with their lots' point values and booked by the chain's closed months (AccountingEntrySql.Book).
    public override IReadOnlyCollection<string> Tables { get; } = ["accounting_entries", "accounting_lots", "accounting_chains"];
    public override int Count => _entries.Count;

    public void Book(string chainId, long seq, DateTimeOffset? at, DateOnly? localDate, LotMovement movement) =>
        _entries.Add((chainId, seq, at, localDate, movement));

    public override IEnumerable<RowWrite> Writes()
    {
        if (_entries.Count == 0) yield break;
        // A replay into empty tables knows the lots and chains it wrote, and books the entries itself.
        if (AccountingFacts.Trusted(Keys) is { } facts && facts.CanBook(_entries.Select(e => e.ChainId).Distinct()))
        {
            var booked = new List<AccountingEntry>(_entries.Count);
            foreach (var (chainId, seq, at, localDate, movement) in _entries)
                if (facts.Book(chainId, seq, at, localDate, movement) is { } entry) booked.Add(entry);
            if (booked.Count > 0)
                yield return Insert("accounting_entries", booked).Text("chain_id", e => e.ChainId).Long("seq", e => e.Seq)
                    .Text("kind", e => e.Kind).Text("issued_by", e => e.IssuedBy).Text("redeemer", e => e.Redeemer)
                    .Text("lot_id", e => e.LotId).Long("points", e => e.Points).Numeric("value", e => e.Value)
                    .Instant("occurred_at", e => e.OccurredAt).Date("belongs_to", e => e.BelongsTo)
                    .Date("booked_in", e => e.BookedIn).Instant("effective_at", e => e.EffectiveAt);
            yield break;
        }
        yield return Command(AccountingEntrySql.LotMovements, Texts(_entries.Select(e => e.ChainId)),
                Longs(_entries.Select(e => e.Seq)), Instants(_entries.Select(e => e.At)), Dates(_entries.Select(e => e.LocalDate)),
                Texts(_entries.Select(e => e.Movement.Kind)), Texts(_entries.Select(e => e.Movement.LotId)),
                Texts(_entries.Select(e => e.Movement.IssuedBy)), Texts(_entries.Select(e => e.Movement.Redeemer)),
                Longs(_entries.Select(e => e.Movement.Points)));
    }
}
