using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Points lots with what is left of each, and each guest's deficit: balances are sums over these rows.</summary>
public sealed class PointsReadModel : IProjection
{
    public string Name => "points";
    public IReadOnlyCollection<string> Tables { get; } = ["points_lots", "guest_points", "guest_orders"];

    public EventParts Reads => EventParts.None;

    public IReadOnlyCollection<string> IndexesForReaders { get; } = ["points_lots_guest", "points_lots_open"];

    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(PointsEarned), typeof(PointsRedeemed), typeof(OrderVoided), typeof(PointsAdjusted), typeof(PointsExpired),
         typeof(PointsMovedIn), typeof(PointsMovedOut), typeof(OpeningBalanceMigrated)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case PointsEarned x:
                    Lots(context).Issue(new NewLot(x.LotId, e.ChainId, x.GuestId, x.RestaurantId, x.OrderId,
                        x.Points - x.DeficitRepaid, x.OccurredAt, x.SpendableFrom, x.ExpiresOn, x.PointValue));
                    Owed(context).Owe(x.GuestId, -x.DeficitRepaid);
                    break;
                case PointsRedeemed x:
                    Move(context, x.Lots, -1);
                    break;
                case OrderVoided x:
                    Move(context, x.Restored, +1);
                    foreach (var l in x.RestoredAsNewLots)
                        Lots(context).Issue(new NewLot(l.LotId, e.ChainId, x.GuestId, l.IssuedBy, l.OrderId, l.Points,
                            l.EarnedAt, l.SpendableFrom, l.ExpiresOn, l.PointValue));
                    Move(context, x.TakenBack, -1);
                    Owed(context).Owe(x.GuestId, x.Shortfall);
                    break;
                case PointsAdjusted x:
                    if (x is { LotId: { } lotId, ExpiresOn: { } expiresOn })
                        Lots(context).Issue(new NewLot(lotId, e.ChainId, x.GuestId, x.RestaurantId, null,
                            x.Points - x.DeficitRepaid, x.OccurredAt, x.OccurredAt, expiresOn, x.PointValue));
                    Move(context, x.TakenFrom, -1);
                    Owed(context).Owe(x.GuestId, -x.DeficitRepaid);
                    break;
                case OpeningBalanceMigrated x:
                    Lots(context).Issue(new NewLot(x.LotId, e.ChainId, x.GuestId, x.RestaurantId, null, x.Points,
                        x.OccurredAt, x.OccurredAt, x.ExpiresOn, x.PointValue));
                    break;
                case PointsExpired x:
                    Lots(context).Move(x.LotId, -x.Points);
                    break;
                case PointsMovedIn x:
                    // A merge or its undo: the lots and orders change hands as they are; nothing is added or taken.
                    foreach (var lot in x.Lots) Lots(context).HandOn(lot.LotId, x.GuestId);
                    foreach (var order in x.Orders)
                        context.Rows<GuestOrderRows>().HandOn(e.ChainId, order.RestaurantId, order.OrderId, x.GuestId);
                    Owed(context).Owe(x.GuestId, x.Deficit);
                    break;
                case PointsMovedOut x:
                    Owed(context).Owe(x.GuestId, -x.Deficit);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    static PointsLotRows Lots(ProjectionContext context) => context.Rows<PointsLotRows>();
    static GuestPointsRows Owed(ProjectionContext context) => context.Rows<GuestPointsRows>();

    static void Move(ProjectionContext context, IReadOnlyList<LotPoints> lots, int sign)
    {
        foreach (var lot in lots) Lots(context).Move(lot.LotId, sign * lot.Points);
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from ledger.points_lots");
        context.Queue("update ledger.guest_points set deficit = 0");
        return ValueTask.CompletedTask;
    }
}
