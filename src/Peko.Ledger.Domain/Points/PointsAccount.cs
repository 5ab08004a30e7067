using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Domain.Points;

/// <summary>One earn's points: where they were issued, what is left, when they can be spent and when they expire.</summary>
public sealed record PointsLot(
    string LotId, string IssuedBy, string? OrderId, long Points, long Remaining, DateTimeOffset EarnedAt,
    DateTimeOffset SpendableFrom, DateOnly ExpiresOn, decimal PointValue)
{
    /// <summary>A lot can be spent up to the day before <see cref="ExpiresOn"/>: it expires at the start of that day.</summary>
    public bool IsExpired(DateOnly today) => today >= ExpiresOn;
    public bool IsSpendable(DateTimeOffset now, DateOnly today) => Remaining > 0 && !IsExpired(today) && SpendableFrom <= now;
}

/// <summary>What an order did to the points ledger, for voids.</summary>
public sealed record OrderPoints(
    string RestaurantId, string OrderId, decimal? Amount, long Earned, string? LotId, decimal VoidedAmount,
    long TakenBack, IReadOnlyList<LotPoints> Redeemed, long Restored, int Voids);

/// <summary>A guest's points ledger folded from its events.</summary>
public sealed class PointsAccount
{
    readonly Dictionary<string, PointsLot> _lots = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), OrderPoints> _orders = [];
    readonly Dictionary<string, IReadOnlyList<string>> _lotOrigins = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), IReadOnlyList<string>> _orderOrigins = [];
    readonly Dictionary<string, long> _deficitByMerge = new(StringComparer.Ordinal);

    public IReadOnlyCollection<PointsLot> Lots => _lots.Values;
    public IReadOnlyDictionary<(string Restaurant, string Order), OrderPoints> Orders => _orders;

    /// <summary>Points owed after a void took back points already spent; later earns pay it off first.</summary>
    public long Deficit { get; private set; }

    public static PointsAccount From(IEnumerable<object> events)
    {
        var account = new PointsAccount();
        foreach (var e in events) account.Apply(e);
        return account;
    }

    /// <summary>A copy to apply further events to; this account is left as it is.</summary>
    public PointsAccount Clone()
    {
        var copy = new PointsAccount { Deficit = Deficit };
        foreach (var (key, lot) in _lots) copy._lots[key] = lot;
        foreach (var (key, order) in _orders) copy._orders[key] = order;
        foreach (var (key, origins) in _lotOrigins) copy._lotOrigins[key] = origins;
        foreach (var (key, origins) in _orderOrigins) copy._orderOrigins[key] = origins;
        foreach (var (key, deficit) in _deficitByMerge) copy._deficitByMerge[key] = deficit;
        return copy;
    }

    /// <summary>Points held in unexpired lots (pending included), less any deficit. Can be negative.</summary>
    public long Balance(DateOnly today) => _lots.Values.Where(l => !l.IsExpired(today)).Sum(l => l.Remaining) - Deficit;

    /// <summary>Points in unexpired lots still inside the return window.</summary>
    public long Pending(DateTimeOffset now, DateOnly today) =>
        _lots.Values.Where(l => !l.IsExpired(today) && l.SpendableFrom > now).Sum(l => l.Remaining);

    public long Spendable(DateTimeOffset now, DateOnly today) =>
        Math.Max(0, _lots.Values.Where(l => l.IsSpendable(now, today)).Sum(l => l.Remaining) - Deficit);

    /// <summary>Open lots in the order they are consumed: soonest-expiring first (guests lose the fewest points), then earliest earned.</summary>
    public IEnumerable<PointsLot> ConsumptionOrder(Func<PointsLot, bool> eligible) =>
        _lots.Values.Where(l => l.Remaining > 0 && eligible(l))
            .OrderBy(l => l.ExpiresOn).ThenBy(l => l.EarnedAt).ThenBy(l => l.LotId, StringComparer.Ordinal);

    public PointsLot Lot(string lotId) => _lots[lotId];

    /// <summary>The merges that brought a lot here, latest last (empty for the guest's own lots).</summary>
    public IReadOnlyList<string> OriginsOf(string lotId) => _lotOrigins.GetValueOrDefault(lotId) ?? [];

    public IReadOnlyList<string> OriginsOf(string restaurantId, string orderId) =>
        _orderOrigins.GetValueOrDefault((restaurantId, orderId)) ?? [];

    /// <summary>The deficit a merge brought in, as recorded when it arrived.</summary>
    public long DeficitBroughtBy(string mergeId) => _deficitByMerge.GetValueOrDefault(mergeId);

    public void Apply(object e)
    {
        switch (e)
        {
            case PointsEarned x:
                Deficit -= x.DeficitRepaid;
                _lots[x.LotId] = new PointsLot(x.LotId, x.RestaurantId, x.OrderId, x.Points - x.DeficitRepaid,
                    x.Points - x.DeficitRepaid, x.OccurredAt, x.SpendableFrom, x.ExpiresOn, x.PointValue);
                _orders[(x.RestaurantId, x.OrderId)] = Order(x.RestaurantId, x.OrderId) with
                    { Amount = x.Amount, Earned = x.Points, LotId = x.LotId };
                break;
            case PointsRedeemed x:
                Take(x.Lots);
                var order = Order(x.RestaurantId, x.OrderId);
                _orders[(x.RestaurantId, x.OrderId)] = order with { Redeemed = [.. order.Redeemed, .. x.Lots] };
                break;
            case OrderVoided x:
                Give(x.Restored);
                foreach (var l in x.RestoredAsNewLots)
                    _lots[l.LotId] = new PointsLot(l.LotId, l.IssuedBy, l.OrderId, l.Points, l.Remaining, l.EarnedAt,
                        l.SpendableFrom, l.ExpiresOn, l.PointValue);
                Take(x.TakenBack);
                Deficit += x.Shortfall;
                var voided = Order(x.RestaurantId, x.OrderId);
                _orders[(x.RestaurantId, x.OrderId)] = voided with
                {
                    VoidedAmount = voided.VoidedAmount + x.Amount,
                    TakenBack = voided.TakenBack + x.TakenBack.Sum(t => t.Points) + x.Shortfall,
                    Restored = voided.Restored + x.Restored.Sum(r => r.Points) + x.RestoredAsNewLots.Sum(r => r.Points),
                    Voids = voided.Voids + 1,
                };
                break;
            case PointsAdjusted x:
                Deficit -= x.DeficitRepaid;
                Take(x.TakenFrom);
                if (x.LotId is not null && x.Points - x.DeficitRepaid > 0)
                    _lots[x.LotId] = new PointsLot(x.LotId, x.RestaurantId, null, x.Points - x.DeficitRepaid,
                        x.Points - x.DeficitRepaid, x.OccurredAt, x.OccurredAt, x.ExpiresOn!.Value, x.PointValue);
                break;
            case PointsMovedIn x:
                foreach (var l in x.Lots)
                {
                    _lots[l.LotId] = new PointsLot(l.LotId, l.IssuedBy, l.OrderId, l.Points, l.Remaining, l.EarnedAt,
                        l.SpendableFrom, l.ExpiresOn, l.PointValue);
                    _lotOrigins[l.LotId] = l.Origins;
                }
                foreach (var o in x.Orders)
                {
                    _orders[(o.RestaurantId, o.OrderId)] = new OrderPoints(o.RestaurantId, o.OrderId, o.Amount, o.Earned, o.LotId,
                        o.VoidedAmount, o.TakenBack, o.Redeemed, o.Restored, o.Voids);
                    _orderOrigins[(o.RestaurantId, o.OrderId)] = o.Origins;
                }
                Deficit += x.Deficit;
                if (x.Deficit > 0) _deficitByMerge[x.MergeId] = x.Deficit;
                break;
            case PointsMovedOut x:
                foreach (var id in x.LotIds) { _lots.Remove(id); _lotOrigins.Remove(id); }
                foreach (var o in x.Orders) { _orders.Remove((o.RestaurantId, o.OrderId)); _orderOrigins.Remove((o.RestaurantId, o.OrderId)); }
                Deficit -= x.Deficit;
                _deficitByMerge.Remove(x.MergeId);
                break;
            case OpeningBalanceMigrated x:
                _lots[x.LotId] = new PointsLot(x.LotId, x.RestaurantId, null, x.Points, x.Points, x.OccurredAt, x.OccurredAt,
                    x.ExpiresOn, x.PointValue);
                break;
            case PointsExpired x:
                _lots[x.LotId] = _lots[x.LotId] with { Remaining = _lots[x.LotId].Remaining - x.Points };
                break;
        }
    }

    OrderPoints Order(string restaurant, string order) =>
        _orders.TryGetValue((restaurant, order), out var o) ? o : new OrderPoints(restaurant, order, null, 0, null, 0, 0, [], 0, 0);

    void Take(IEnumerable<LotPoints> taken)
    {
        foreach (var t in taken) _lots[t.LotId] = _lots[t.LotId] with { Remaining = _lots[t.LotId].Remaining - t.Points };
    }

    void Give(IEnumerable<LotPoints> given)
    {
        foreach (var g in given) _lots[g.LotId] = _lots[g.LotId] with { Remaining = _lots[g.LotId].Remaining + g.Points };
    }
}
