using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Domain.Membership;

/// <summary>A guest's membership folded from its events: the current tier and the spend counted toward tiers.</summary>
public sealed class MembershipState
{
    readonly Dictionary<(string, string), Spend> _orders = [];
    readonly Dictionary<(string, string), IReadOnlyList<string>> _origins = [];

    /// <summary>The current tier's name; null until the first tier change (the programme's base tier).</summary>
    public string? Tier { get; private set; }

    public IReadOnlyCollection<Spend> Orders => _orders.Values;

    /// <summary>A copy with one more event applied; this state is left as it is.</summary>
    public MembershipState With(object e)
    {
        var copy = Clone();
        copy.Apply(e);
        return copy;
    }

    /// <summary>A copy to apply further events to; this state is left as it is.</summary>
    public MembershipState Clone()
    {
        var copy = new MembershipState { Tier = Tier };
        foreach (var (key, spend) in _orders) copy._orders[key] = spend;
        foreach (var (key, origins) in _origins) copy._origins[key] = origins;
        return copy;
    }

    public static MembershipState From(IEnumerable<object> events)
    {
        var state = new MembershipState();
        foreach (var e in events) state.Apply(e);
        return state;
    }

    /// <summary>Net spend of orders the POS dated within the <paramref name="months"/> up to <paramref name="asOf"/>.</summary>
    public decimal WindowSpend(DateTimeOffset asOf, int months) =>
        _orders.Values.Where(s => s.OccurredAt > asOf.AddMonths(-months) && s.OccurredAt <= asOf).Sum(s => s.Amount);

    public decimal LifetimeSpend => _orders.Values.Sum(s => s.Amount);

    /// <summary>The merges that brought an order's spend here, latest last (empty for the guest's own orders).</summary>
    public IReadOnlyList<string> OriginsOf(Spend spend) => _origins.GetValueOrDefault((spend.RestaurantId, spend.OrderId)) ?? [];

    public void Apply(object e)
    {
        switch (e)
        {
            case SpendRecorded x:
                _orders[(x.RestaurantId, x.OrderId)] = new Spend(x.RestaurantId, x.OrderId, x.OccurredAt, x.Amount);
                break;
            case SpendReversed x when _orders.TryGetValue((x.RestaurantId, x.OrderId), out var spend):
                _orders[(x.RestaurantId, x.OrderId)] = spend with { Amount = spend.Amount - x.Amount };
                break;
            case SpendMovedIn x:
                foreach (var o in x.Orders)
                {
                    _orders[(o.RestaurantId, o.OrderId)] = new Spend(o.RestaurantId, o.OrderId, o.OccurredAt, o.Amount);
                    _origins[(o.RestaurantId, o.OrderId)] = o.Origins;
                }
                break;
            case SpendMovedOut x:
                foreach (var o in x.Orders) { _orders.Remove((o.RestaurantId, o.OrderId)); _origins.Remove((o.RestaurantId, o.OrderId)); }
                break;
            case OpeningSpendMigrated x:
                _orders[(x.RestaurantId, x.SpendId)] = new Spend(x.RestaurantId, x.SpendId, x.OccurredAt, x.Amount);
                break;
            case TierChanged x:
                Tier = x.To;
                break;
        }
    }

    public sealed record Spend(string RestaurantId, string OrderId, DateTimeOffset OccurredAt, decimal Amount);
}
