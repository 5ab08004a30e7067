using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Spend per order (net of voids) and each membership's tier and running window spend.</summary>
public sealed class MembershipReadModel : IProjection
{
    public string Name => "memberships";
    public IReadOnlyCollection<string> Tables { get; } = ["memberships", "guest_spend"];

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
                    context.Queue("""
                        update ledger.guest_spend set amount = amount - $4
                        where guest_id = $1 and restaurant_id = $2 and order_id = $3
                        """, s.GuestId, s.RestaurantId, s.OrderId, s.Amount);
                    context.Queue("update ledger.memberships set window_spend = window_spend - $2 where guest_id = $1",
                        s.GuestId, s.Amount);
                    break;
                case SpendMovedIn m:
                    context.Queue("""
                        update ledger.guest_spend s set guest_id = $1
                        from unnest($3::text[], $4::text[]) as o(restaurant_id, order_id)
                        where s.guest_id = $2 and s.restaurant_id = o.restaurant_id and s.order_id = o.order_id
                        """, m.GuestId, m.FromGuestId, m.Orders.Select(o => o.RestaurantId).ToArray(),
                        m.Orders.Select(o => o.OrderId).ToArray());
                    context.Queue("update ledger.memberships set window_spend = window_spend + $2 where guest_id = $1",
                        m.GuestId, m.Orders.Sum(o => o.Amount));
                    break;
                case SpendMovedOut m:
                    context.Queue("update ledger.memberships set window_spend = window_spend - $2 where guest_id = $1",
                        m.GuestId, m.Orders.Sum(o => o.Amount));
                    break;
                case OpeningSpendMigrated s:
                    // Counted like an order's spend, under the spend id, so merges and undos move it like one.
                    RecordSpend(context, s.GuestId, s.RestaurantId, s.SpendId, e.ChainId, s.OccurredAt, s.Amount);
                    break;
                case TierChanged t:
                    context.Queue("update ledger.memberships set tier = $2, window_spend = $3 where guest_id = $1",
                        t.GuestId, t.To, t.WindowSpend);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static void RecordSpend(ProjectionContext context, string guestId, string restaurantId, string orderId, string chainId,
        DateTimeOffset occurredAt, decimal amount)
    {
        context.Queue("""
            insert into ledger.guest_spend (guest_id, restaurant_id, order_id, chain_id, occurred_at, amount)
            values ($1, $2, $3, $4, $5, $6)
            """, guestId, restaurantId, orderId, chainId, occurredAt.ToUniversalTime(), amount);
        context.Queue("update ledger.memberships set window_spend = window_spend + $2 where guest_id = $1", guestId, amount);
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from ledger.guest_spend");
        context.Queue("update ledger.memberships set tier = null, window_spend = 0");
        return ValueTask.CompletedTask;
    }
}
