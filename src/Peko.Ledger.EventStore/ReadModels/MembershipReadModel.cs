using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Spend per order (net of voids) and each membership's tier and running window spend.</summary>
public sealed class MembershipReadModel : IProjection
{
    public string Name => "memberships";
    public IReadOnlyCollection<string> Tables { get; } = ["memberships", "guest_spend"];

    public EventParts Reads => EventParts.None;

    public IReadOnlyCollection<string> IndexesForReaders { get; } = ["guest_spend_chain_time"];

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(SpendRecorded), typeof(SpendReversed), typeof(TierChanged), typeof(SpendMovedIn), typeof(SpendMovedOut),
        typeof(OpeningSpendMigrated)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case SpendRecorded s:
                    RecordSpend(context, s.GuestId, s.RestaurantId, s.OrderId, e.ChainId, s.OccurredAt, s.Amount);
                    break;
                case SpendReversed s:
                    context.Rows<GuestSpendRows>().Reverse(s.GuestId, s.RestaurantId, s.OrderId, s.Amount);
                    context.Rows<MembershipRows>().Spend(s.GuestId, -s.Amount);
                    break;
                case SpendMovedIn m:
                    context.QueueForGuests([m.GuestId, m.FromGuestId], """
                        update ledger.guest_spend s set guest_id = $1
                        from unnest($3::text[], $4::text[]) as o(restaurant_id, order_id)
                        where s.guest_id = $2 and s.restaurant_id = o.restaurant_id and s.order_id = o.order_id
                        """, m.GuestId, m.FromGuestId, m.Orders.Select(o => o.RestaurantId).ToArray(),
                        m.Orders.Select(o => o.OrderId).ToArray());
                    context.Rows<MembershipRows>().Spend(m.GuestId, m.Orders.Sum(o => o.Amount));
                    break;
                case SpendMovedOut m:
                    context.Rows<MembershipRows>().Spend(m.GuestId, -m.Orders.Sum(o => o.Amount));
                    break;
                case OpeningSpendMigrated s:
                    // Counted like an order's spend, under the spend id, so merges and undos move it like one.
                    RecordSpend(context, s.GuestId, s.RestaurantId, s.SpendId, e.ChainId, s.OccurredAt, s.Amount);
                    break;
                case TierChanged t:
                    context.Rows<MembershipRows>().TierChanged(t.GuestId, t.To, t.WindowSpend);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static void RecordSpend(ProjectionContext context, string guestId, string restaurantId, string orderId, string chainId,
        DateTimeOffset occurredAt, decimal amount)
    {
        context.Rows<GuestSpendRows>().Record(guestId, restaurantId, orderId, chainId, occurredAt, amount);
        context.Rows<MembershipRows>().Spend(guestId, amount);
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from ledger.guest_spend");
        context.Queue("update ledger.memberships set tier = null, window_spend = 0");
        return ValueTask.CompletedTask;
    }
}
