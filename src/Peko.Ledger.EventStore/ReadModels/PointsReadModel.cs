using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Points lots with what is left of each, and each guest's deficit: balances are sums over these rows.</summary>
public sealed class PointsReadModel : IProjection
{
    public string Name => "points";
    public IReadOnlyCollection<string> Tables { get; } = ["points_lots", "guest_points", "guest_orders"];

    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(PointsEarned), typeof(PointsRedeemed), typeof(OrderVoided), typeof(PointsAdjusted), typeof(PointsExpired),
         typeof(PointsMovedIn), typeof(PointsMovedOut), typeof(OpeningBalanceMigrated)];

    const string InsertLot = """
        insert into ledger.points_lots (lot_id, chain_id, guest_id, restaurant_id, order_id, points, remaining, earned_at,
                                        spendable_from, expires_on, point_value)
        values ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)
        """;

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case PointsEarned x:
                    context.Queue(InsertLot, x.LotId, e.ChainId, x.GuestId, x.RestaurantId, x.OrderId, x.Points - x.DeficitRepaid,
                        x.OccurredAt.ToUniversalTime(), x.SpendableFrom.ToUniversalTime(), x.ExpiresOn, x.PointValue);
                    Deficit(context, x.GuestId, -x.DeficitRepaid);
                    break;
                case PointsRedeemed x:
                    Move(context, x.Lots, -1);
                    break;
                case OrderVoided x:
                    Move(context, x.Restored, +1);
                    foreach (var l in x.RestoredAsNewLots)
                        context.Queue(InsertLot, l.LotId, e.ChainId, x.GuestId, l.IssuedBy, l.OrderId, l.Points,
                            l.EarnedAt.ToUniversalTime(), l.SpendableFrom.ToUniversalTime(), l.ExpiresOn, l.PointValue);
                    Move(context, x.TakenBack, -1);
                    Deficit(context, x.GuestId, x.Shortfall);
                    break;
                case PointsAdjusted x:
                    if (x.LotId is not null)
                        context.Queue(InsertLot, x.LotId, e.ChainId, x.GuestId, x.RestaurantId, null, x.Points - x.DeficitRepaid,
                            x.OccurredAt.ToUniversalTime(), x.OccurredAt.ToUniversalTime(), x.ExpiresOn, x.PointValue);
                    Move(context, x.TakenFrom, -1);
                    Deficit(context, x.GuestId, -x.DeficitRepaid);
                    break;
                case OpeningBalanceMigrated x:
                    context.Queue(InsertLot, x.LotId, e.ChainId, x.GuestId, x.RestaurantId, null, x.Points,
                        x.OccurredAt.ToUniversalTime(), x.OccurredAt.ToUniversalTime(), x.ExpiresOn, x.PointValue);
                    break;
                case PointsExpired x:
                    Move(context, [new LotPoints(x.LotId, x.IssuedBy, x.Points)], -1);
                    break;
                case PointsMovedIn x:
                    // A merge or its undo: the lots and orders change hands as they are; nothing is added or taken.
                    context.Queue("update ledger.points_lots set guest_id = $1 where lot_id = any($2)",
                        x.GuestId, x.Lots.Select(l => l.LotId).ToArray());
                    context.Queue("""
                        update ledger.guest_orders o set guest_id = $1
                        from unnest($2::text[], $3::text[]) as m(restaurant_id, order_id)
                        where o.chain_id = $4 and o.restaurant_id = m.restaurant_id and o.order_id = m.order_id
                        """, x.GuestId, x.Orders.Select(o => o.RestaurantId).ToArray(), x.Orders.Select(o => o.OrderId).ToArray(),
                        e.ChainId);
                    Deficit(context, x.GuestId, x.Deficit);
                    break;
                case PointsMovedOut x:
                    Deficit(context, x.GuestId, -x.Deficit);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static void Move(ProjectionContext context, IReadOnlyList<LotPoints> lots, int sign)
    {
        if (lots.Count == 0) return;
        context.Queue("""
            update ledger.points_lots l set remaining = l.remaining + m.points
            from unnest($1::text[], $2::bigint[]) as m(lot_id, points) where l.lot_id = m.lot_id
            """, lots.Select(l => l.LotId).ToArray(), lots.Select(l => sign * l.Points).ToArray());
    }

    static void Deficit(ProjectionContext context, string guestId, long change)
    {
        if (change != 0)
            context.Queue("update ledger.guest_points set deficit = deficit + $2 where guest_id = $1", guestId, change);
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from ledger.points_lots");
        context.Queue("update ledger.guest_points set deficit = 0");
        return ValueTask.CompletedTask;
    }
}
