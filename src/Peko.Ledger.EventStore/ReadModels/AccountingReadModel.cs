using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// Every point movement with its issuing restaurant, value and months (async: runs after the counter's transaction,
/// in log order, so a month's close books later events exactly as a rebuild will). The translation of events into
/// movements is the domain's (<see cref="PointMovements"/>); this class only writes it down.
/// </summary>
public sealed class AccountingReadModel : IProjection
{
    public const string ProjectionName = "accounting";

    public string Name => ProjectionName;

    public IReadOnlyCollection<string> Tables { get; } = ["accounting_chains", "accounting_months", "accounting_lots", "accounting_claims", "accounting_entries"];

    public EventParts Reads => EventParts.Position; // entries are keyed by the event's seq

    public IReadOnlyCollection<string> IndexesForReaders { get; } = ["accounting_entries_booked", "accounting_entries_effective"];

    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(ChainCreated), typeof(AccountingSettingsChanged), typeof(MonthClosed), typeof(PointsEarned),
         typeof(PointsRedeemed), typeof(OrderVoided), typeof(PointsAdjusted), typeof(PointsExpired), typeof(PointsMovedIn),
         typeof(Domain.Migration.OpeningBalanceMigrated)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case ChainCreated c:
                    context.Queue("insert into ledger.accounting_chains (chain_id, time_zone) values ($1, $2) on conflict do nothing",
                        c.ChainId, c.TimeZone);
                    AccountingFacts.Recorded(context.Keys)?.ChainCreated(c.ChainId, c.TimeZone);
                    break;
                case AccountingSettingsChanged s:
                    context.Queue("""
                        update ledger.accounting_chains set settlement_policy = $2, expected_redemption_rate = $3::numeric
                        where chain_id = $1
                        """, s.ChainId, s.SettlementPolicy, s.ExpectedRedemptionRate);
                    break;
                case MonthClosed m:
                    var month = AccountingMonth.Parse(m.Month).FirstDay;
                    context.Queue("update ledger.accounting_chains set closed_through = $2 where chain_id = $1", m.ChainId, month);
                    context.Queue("""
                        insert into ledger.accounting_months (chain_id, month, closed_at, settlement_policy, expected_redemption_rate)
                        select chain_id, $2, $3, settlement_policy, expected_redemption_rate from ledger.accounting_chains
                        where chain_id = $1
                        """, m.ChainId, month, m.ClosedAt.ToUniversalTime());
                    AccountingFacts.Recorded(context.Keys)?.MonthClosed(m.ChainId, month);
                    break;
                default:
                    Write(e, PointMovements.Of(e.Data), context);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static void Write(StoredEvent e, PointMovements movements, ProjectionContext context)
    {
        if (movements.IsEmpty) return;
        var facts = AccountingFacts.Recorded(context.Keys);
        var trusted = AccountingFacts.Trusted(context.Keys);
        foreach (var lot in movements.Lots)
        {
            context.Rows<AccountingLotRows>().Issue(e.ChainId, lot);
            facts?.LotIssued(e.ChainId, lot);
        }
        foreach (var movement in movements.Movements)
            context.Rows<AccountingEntryRows>().Book(e.ChainId, e.Seq, movements.OccurredAt, movements.LocalDate, movement);

        var at = movements.OccurredAt?.ToUniversalTime();
        foreach (var shortfall in movements.Shortfalls)
            switch (shortfall)
            {
                case ShortfallOwed s when trusted is not null:
                    context.Queue(AccountingEntrySql.ShortfallOwedValued, e.ChainId, e.Seq, at, movements.LocalDate,
                        s.GuestId, s.RestaurantId, s.OrderId, s.Points, trusted.OrderLotValue(e.ChainId, s.RestaurantId, s.OrderId));
                    break;
                case ShortfallOwed s:
                    context.Queue(AccountingEntrySql.ShortfallOwed, e.ChainId, e.Seq, at, movements.LocalDate,
                        s.GuestId, s.RestaurantId, s.OrderId, s.Points);
                    break;
                case ShortfallRepaid s:
                    context.Queue(AccountingEntrySql.ShortfallRepaid, e.ChainId, e.Seq, at, movements.LocalDate, s.GuestId, s.Points);
                    break;
                case ShortfallMoved s:
                    context.Queue(AccountingEntrySql.ShortfallMoved, s.FromGuestId, s.ToGuestId, s.Points, e.ChainId);
                    break;
            }
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        // The closed months' served reports (accounting_reports) stay: they are documents, not projection rows.
        foreach (var table in new[] { "accounting_entries", "accounting_claims", "accounting_lots", "accounting_months", "accounting_chains" })
            context.Queue($"delete from ledger.{table}");
        return ValueTask.CompletedTask;
    }
}
