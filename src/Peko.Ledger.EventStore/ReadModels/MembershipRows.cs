using Npgsql;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// <c>ledger.memberships</c>: a row per guest, its tier and its running window spend. Spend adds up; a tier change
/// sets the tier and the window spend outright, and spend recorded after it adds to that.
/// </summary>
public sealed class MembershipRows : RowBatch
{
    sealed class Change
    {
        public string? ChainId { get; init; } // set: a new row
        public bool TierSet { get; set; }
        public string? Tier { get; set; }
        public decimal? WindowSpendSet { get; set; }
        public decimal Spend { get; set; }
    }

    readonly Dictionary<string, Change> _rows = new(StringComparer.Ordinal);

    public override int Order => RowOrder.Memberships;
    public override IReadOnlyCollection<string> Tables { get; } = ["memberships"];
    public override int Count => _rows.Count;

    public void Register(string guestId, string chainId) =>
        _rows.Add(guestId, new Change { ChainId = Shared(chainId), WindowSpendSet = 0 });

    public void Spend(string guestId, decimal amount) => Of(guestId).Spend += amount;

    public void TierChanged(string guestId, string? tier, decimal windowSpend)
    {
        var change = Of(guestId);
        (change.TierSet, change.Tier, change.WindowSpendSet, change.Spend) = (true, tier, windowSpend, 0);
    }

    Change Of(string guestId) =>
        _rows.TryGetValue(guestId, out var change) ? change : _rows[guestId] = new Change();

    public override IEnumerable<RowWrite> Writes()
    {
        var added = _rows.Where(r => r.Value.ChainId is not null).ToList();
        if (added.Count > 0)
            yield return Insert("memberships", added).Text("guest_id", r => r.Key).Text("chain_id", r => r.Value.ChainId)
                .Text("tier", r => r.Value.Tier).Numeric("window_spend", r => r.Value.WindowSpendSet!.Value + r.Value.Spend);
        var changed = _rows.Where(r => r.Value.ChainId is null && (r.Value.TierSet || r.Value.Spend != 0)).ToList();
        if (changed.Count > 0)
            yield return Command("""
                update ledger.memberships m
                set tier = case when u.tier_set then u.tier else m.tier end,
                    window_spend = case when u.tier_set then u.window_spend else m.window_spend end + u.spend
                from unnest($1::text[], $2::bool[], $3::text[], $4::numeric[], $5::numeric[])
                     as u(guest_id, tier_set, tier, window_spend, spend)
                where m.guest_id = u.guest_id
                """, Texts(changed.Select(r => r.Key)), Bools(changed.Select(r => r.Value.TierSet)),
                Texts(changed.Select(r => r.Value.Tier)), Numerics(changed.Select(r => r.Value.WindowSpendSet ?? 0)),
                Numerics(changed.Select(r => r.Value.Spend)));
    }
}

/// <summary><c>ledger.guest_spend</c>: spend per order (and migrated opening spend); reversals take from it.</summary>
public sealed class GuestSpendRows : RowBatch
{
    sealed class NewSpend(string chainId, DateTimeOffset occurredAt, decimal amount)
    {
        public string ChainId { get; } = chainId;
        public DateTimeOffset OccurredAt { get; } = occurredAt;
        public decimal Amount { get; set; } = amount;
    }

    readonly Dictionary<(string GuestId, string RestaurantId, string OrderId), NewSpend> _new = [];
    readonly List<KeyValuePair<(string, string, string), NewSpend>> _again = []; // recorded twice: the key refuses it
    readonly Dictionary<(string GuestId, string RestaurantId, string OrderId), decimal> _changes = [];
    readonly Dictionary<string, List<(string GuestId, string RestaurantId, string OrderId)>> _keysOf = new(StringComparer.Ordinal);

    public override int Order => RowOrder.GuestSpend;
    public override bool Folds => false; // inserted, seldom changed
    public override IReadOnlyCollection<string> Tables { get; } = ["guest_spend"];
    public override int Count => _new.Count + _again.Count + _changes.Count;

    public override RowBatch Split(IReadOnlySet<string> guests)
    {
        var part = new GuestSpendRows();
        var keys = guests.SelectMany(g => _keysOf.Remove(g, out var keys) ? keys : []).ToList();
        Move(_new, part._new, keys);
        Move(_changes, part._changes, keys);
        part._again.AddRange(_again.Where(r => guests.Contains(r.Key.Item1)));
        _again.RemoveAll(r => guests.Contains(r.Key.Item1));
        foreach (var key in keys) part.Index(key);
        return part;
    }

    public void Record(string guestId, string restaurantId, string orderId, string chainId, DateTimeOffset occurredAt,
        decimal amount)
    {
        var row = new NewSpend(chainId, occurredAt, amount);
        if (_new.TryAdd((guestId, restaurantId, orderId), row)) Index((guestId, restaurantId, orderId));
        else _again.Add(new((guestId, restaurantId, orderId), row));
    }

    void Index((string GuestId, string RestaurantId, string OrderId) key)
    {
        if (!_keysOf.TryGetValue(key.GuestId, out var keys)) _keysOf[key.GuestId] = keys = [];
        keys.Add(key);
    }

    public void Reverse(string guestId, string restaurantId, string orderId, decimal amount)
    {
        var key = (guestId, restaurantId, orderId);
        if (_new.TryGetValue(key, out var row)) row.Amount -= amount;
        else
        {
            if (!_changes.ContainsKey(key)) Index(key);
            _changes[key] = _changes.GetValueOrDefault(key) - amount;
        }
    }

    public override IEnumerable<RowWrite> Writes()
    {
        IReadOnlyCollection<KeyValuePair<(string, string, string), NewSpend>> rows = _again.Count == 0 ? _new : [.. _new, .. _again];
        if (rows.Count > 0)
            yield return Insert("guest_spend", rows).Text("guest_id", r => r.Key.Item1).Text("restaurant_id", r => r.Key.Item2)
                .Text("order_id", r => r.Key.Item3).Text("chain_id", r => r.Value.ChainId).Instant("occurred_at", r => r.Value.OccurredAt)
                .Numeric("amount", r => r.Value.Amount);
        if (_changes.Count > 0)
            yield return Command("""
                update ledger.guest_spend s set amount = s.amount + u.change
                from unnest($1::text[], $2::text[], $3::text[], $4::numeric[]) as u(guest_id, restaurant_id, order_id, change)
                where s.guest_id = u.guest_id and s.restaurant_id = u.restaurant_id and s.order_id = u.order_id
                """, Texts(_changes.Keys.Select(k => k.GuestId)), Texts(_changes.Keys.Select(k => k.RestaurantId)),
                Texts(_changes.Keys.Select(k => k.OrderId)), Numerics(_changes.Values));
    }
}
