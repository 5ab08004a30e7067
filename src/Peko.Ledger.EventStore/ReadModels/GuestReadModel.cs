using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Guests, the identifiers that find them, and their visits (last visit overall and per restaurant).</summary>
public sealed class GuestReadModel : IProjection
{
    public string Name => "guests";
    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(GuestRegistered), typeof(GuestIdentifierLinked), typeof(GuestNamed), typeof(SpendRecorded), typeof(PointsRedeemed)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case GuestRegistered g:
                    context.Queue("insert into ledger.guests (guest_id, chain_id, created_at) values ($1, $2, $3)",
                        g.GuestId, g.ChainId, g.At.ToUniversalTime());
                    context.Queue("insert into ledger.guest_points (guest_id, chain_id) values ($1, $2)", g.GuestId, g.ChainId);
                    context.Queue("insert into ledger.memberships (guest_id, chain_id) values ($1, $2)", g.GuestId, g.ChainId);
                    break;
                case GuestIdentifierLinked l:
                    context.Queue("insert into ledger.guest_identifiers (chain_id, kind, value, guest_id) values ($1, $2, $3, $4)",
                        e.ChainId, l.Kind.ToString(), l.Value, l.GuestId);
                    break;
                case GuestNamed n:
                    context.Queue("update ledger.guests set display_name = $2 where guest_id = $1", n.GuestId, n.Name);
                    break;
                case SpendRecorded s:
                    Visit(context, e.ChainId, s.GuestId, s.RestaurantId, s.OrderId, s.OccurredAt);
                    break;
                case PointsRedeemed r:
                    Visit(context, e.ChainId, r.GuestId, r.RestaurantId, r.OrderId, r.OccurredAt);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static void Visit(ProjectionContext context, string chainId, string guestId, string restaurantId, string orderId,
        DateTimeOffset at)
    {
        context.Queue("""
            insert into ledger.guest_orders (chain_id, restaurant_id, order_id, guest_id) values ($1, $2, $3, $4)
            on conflict do nothing
            """, chainId, restaurantId, orderId, guestId);
        context.Queue("""
            insert into ledger.guest_visits (chain_id, restaurant_id, guest_id, last_visit_at) values ($1, $2, $3, $4)
            on conflict (chain_id, restaurant_id, guest_id)
            do update set last_visit_at = greatest(ledger.guest_visits.last_visit_at, excluded.last_visit_at)
            """, chainId, restaurantId, guestId, at.ToUniversalTime());
        context.Queue("""
            update ledger.guests set last_visit_restaurant = $2, last_visit_at = $3
            where guest_id = $1 and (last_visit_at is null or last_visit_at <= $3)
            """, guestId, restaurantId, at.ToUniversalTime());
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        foreach (var table in new[] { "guest_orders", "guest_visits", "guest_identifiers", "guest_points", "memberships", "guests" })
            context.Queue($"delete from ledger.{table}");
        return ValueTask.CompletedTask;
    }
}
