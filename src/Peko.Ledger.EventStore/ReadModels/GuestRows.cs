using Npgsql;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// <c>ledger.guests</c>: new guests, names (the last one wins) and last visits. A visit replaces the last one when it
/// is at the same instant or later, so of several visits the latest wins, the last of equals among them.
/// </summary>
public sealed class GuestRows : RowBatch
{
    sealed class NewGuest(string chainId, DateTimeOffset createdAt)
    {
        public string ChainId { get; } = chainId;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public string? Name { get; set; }
        public Visit? LastVisit { get; set; }
    }

    sealed record Visit(string RestaurantId, DateTimeOffset At);

    readonly Dictionary<string, NewGuest> _new = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    readonly Dictionary<string, Visit> _visits = new(StringComparer.Ordinal);

    public override int Order => RowOrder.Guests;
    public override IReadOnlyCollection<string> Tables { get; } = ["guests"];
    public override int Count => _new.Count + _names.Count + _visits.Count;

    public override RowBatch Split(IReadOnlySet<string> guests)
    {
        var part = new GuestRows();
        Move(_new, part._new, guests);
        Move(_names, part._names, guests);
        Move(_visits, part._visits, guests);
        return part;
    }

    public void Register(string guestId, string chainId, DateTimeOffset at) => _new.Add(guestId, new NewGuest(Shared(chainId), at));

    public void Name(string guestId, string name)
    {
        if (_new.TryGetValue(guestId, out var guest)) guest.Name = name;
        else _names[guestId] = name;
    }

    public void LastVisit(string guestId, string restaurantId, DateTimeOffset at)
    {
        var visit = new Visit(Shared(restaurantId), at);
        if (_new.TryGetValue(guestId, out var guest)) guest.LastVisit = Later(guest.LastVisit, visit);
        else _visits[guestId] = Later(_visits.GetValueOrDefault(guestId), visit);
    }

    static Visit Later(Visit? current, Visit next) => current is null || current.At <= next.At ? next : current;

    public override IEnumerable<RowWrite> Writes()
    {
        if (_new.Count > 0)
            yield return Insert("guests", _new).Text("guest_id", g => g.Key).Text("chain_id", g => g.Value.ChainId)
                .Instant("created_at", g => g.Value.CreatedAt).Text("display_name", g => g.Value.Name)
                .Text("last_visit_restaurant", g => g.Value.LastVisit?.RestaurantId).Instant("last_visit_at", g => g.Value.LastVisit?.At);
        if (_names.Count > 0)
            yield return Command("""
                update ledger.guests g set display_name = u.name
                from unnest($1::text[], $2::text[]) as u(guest_id, name) where g.guest_id = u.guest_id
                """, Texts(_names.Keys), Texts(_names.Values));
        if (_visits.Count > 0)
            yield return Command("""
                update ledger.guests g set last_visit_restaurant = u.restaurant_id, last_visit_at = u.at
                from unnest($1::text[], $2::text[], $3::timestamptz[]) as u(guest_id, restaurant_id, at)
                where g.guest_id = u.guest_id and (g.last_visit_at is null or g.last_visit_at <= u.at)
                """, Texts(_visits.Keys), Texts(_visits.Values.Select(v => v.RestaurantId)),
                Instants(_visits.Values.Select(v => v.At)));
    }
}

/// <summary><c>ledger.guest_identifiers</c>: identifiers linked (an identifier already held fails the insert, as one by one).</summary>
public sealed class GuestIdentifierRows : RowBatch
{
    readonly Dictionary<string, List<(string ChainId, string Kind, string Value)>> _linked = new(StringComparer.Ordinal);

    public override int Order => RowOrder.GuestIdentifiers;
    public override bool Folds => false; // inserted, seldom changed
    public override IReadOnlyCollection<string> Tables { get; } = ["guest_identifiers"];
    public override int Count => _linked.Values.Sum(l => l.Count); // written out every page: a page's links at most

    public override RowBatch Split(IReadOnlySet<string> guests)
    {
        var part = new GuestIdentifierRows();
        Move(_linked, part._linked, guests);
        return part;
    }

    public void Link(string chainId, string kind, string value, string guestId)
    {
        if (!_linked.TryGetValue(guestId, out var links)) _linked[guestId] = links = [];
        links.Add((chainId, kind, value));
    }

    public override IEnumerable<RowWrite> Writes()
    {
        var links = _linked.SelectMany(g => g.Value.Select(l => (l.ChainId, l.Kind, l.Value, GuestId: g.Key))).ToList();
        if (links.Count > 0)
            yield return Insert("guest_identifiers", links).Text("chain_id", l => l.ChainId).Text("kind", l => l.Kind)
                .Text("value", l => l.Value).Text("guest_id", l => l.GuestId);
    }
}

/// <summary>
/// <c>ledger.guest_orders</c>: the guest an order belongs to; the first guest recorded for an order keeps it, and a
/// merge hands it on. Orders handed on are re-pointed before the new orders are inserted: a row already there moves,
/// and an order recorded before it was handed on is inserted with the guest it was handed to.
/// </summary>
public sealed class GuestOrderRows : RowBatch
{
    readonly Dictionary<(string ChainId, string RestaurantId, string OrderId), string> _orders = [];
    readonly Dictionary<(string ChainId, string RestaurantId, string OrderId), string> _handedOn = [];

    public override int Order => RowOrder.GuestOrders;
    public override bool Folds => false; // inserted, seldom changed
    public override IReadOnlyCollection<string> Tables { get; } = ["guest_orders"];
    public override int Count => _orders.Count + _handedOn.Count;

    public void Record(string chainId, string restaurantId, string orderId, string guestId) =>
        _orders.TryAdd((chainId, restaurantId, orderId), guestId);

    /// <summary>The order, where it is recorded, now belongs to <paramref name="guestId"/>.</summary>
    public void HandOn(string chainId, string restaurantId, string orderId, string guestId)
    {
        var key = (chainId, restaurantId, orderId);
        _handedOn[key] = guestId;
        if (_orders.ContainsKey(key)) _orders[key] = guestId;
    }

    public override IEnumerable<RowWrite> Writes()
    {
        if (_handedOn.Count > 0)
            yield return Command("""
                update ledger.guest_orders o set guest_id = m.guest_id
                from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as m(chain_id, restaurant_id, order_id, guest_id)
                where o.chain_id = m.chain_id and o.restaurant_id = m.restaurant_id and o.order_id = m.order_id
                """, Texts(_handedOn.Keys.Select(k => k.ChainId)), Texts(_handedOn.Keys.Select(k => k.RestaurantId)),
                Texts(_handedOn.Keys.Select(k => k.OrderId)), Texts(_handedOn.Values));
        // In a replay into empty tables, an order already written keeps its first guest, and the rest are new.
        List<KeyValuePair<(string ChainId, string RestaurantId, string OrderId), string>> added = [], unknown = [];
        foreach (var order in _orders)
        {
            var state = Keys?.Ask("guest_orders", order.Key, guestId: null) ?? RowState.Unknown;
            if (state == RowState.New) added.Add(order);
            else if (state == RowState.Unknown) unknown.Add(order);
        }
        if (added.Count > 0)
            yield return Insert("guest_orders", added).Text("chain_id", o => o.Key.ChainId)
                .Text("restaurant_id", o => o.Key.RestaurantId).Text("order_id", o => o.Key.OrderId).Text("guest_id", o => o.Value);
        if (unknown.Count > 0)
            yield return Command("""
                insert into ledger.guest_orders (chain_id, restaurant_id, order_id, guest_id)
                select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
                on conflict do nothing
                """, Texts(unknown.Select(o => o.Key.ChainId)), Texts(unknown.Select(o => o.Key.RestaurantId)),
                Texts(unknown.Select(o => o.Key.OrderId)), Texts(unknown.Select(o => o.Value)));
    }
}

/// <summary><c>ledger.guest_visits</c>: each guest's last visit per restaurant (the latest instant wins).</summary>
public sealed class GuestVisitRows : RowBatch
{
    readonly Dictionary<(string ChainId, string RestaurantId, string GuestId), DateTimeOffset> _visits = [];
    readonly HashSet<(string ChainId, string RestaurantId)> _restaurants = []; // a guest's rows are found through these

    public override int Order => RowOrder.GuestVisits;
    public override IReadOnlyCollection<string> Tables { get; } = ["guest_visits"];
    public override int Count => _visits.Count;

    public override RowBatch Split(IReadOnlySet<string> guests)
    {
        var part = new GuestVisitRows();
        Move(_visits, part._visits, _restaurants.SelectMany(_ => guests, (r, g) => (r.ChainId, r.RestaurantId, g)));
        return part;
    }

    public void Visit(string chainId, string restaurantId, string guestId, DateTimeOffset at)
    {
        (chainId, restaurantId) = (Shared(chainId), Shared(restaurantId));
        _restaurants.Add((chainId, restaurantId));
        var key = (chainId, restaurantId, guestId);
        _visits[key] = _visits.TryGetValue(key, out var seen) && seen > at ? seen : at;
    }

    public override IEnumerable<RowWrite> Writes()
    {
        // In a replay into empty tables, a guest's first visit at a restaurant is a new row.
        List<KeyValuePair<(string ChainId, string RestaurantId, string GuestId), DateTimeOffset>> added = [], later = [];
        foreach (var visit in _visits)
            (Keys?.Ask("guest_visits", visit.Key, visit.Key.GuestId) == RowState.New ? added : later).Add(visit);
        if (added.Count > 0)
            yield return Insert("guest_visits", added).Text("chain_id", v => v.Key.ChainId)
                .Text("restaurant_id", v => v.Key.RestaurantId).Text("guest_id", v => v.Key.GuestId)
                .Instant("last_visit_at", v => v.Value);
        if (later.Count > 0)
            yield return Command("""
                insert into ledger.guest_visits (chain_id, restaurant_id, guest_id, last_visit_at)
                select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
                on conflict (chain_id, restaurant_id, guest_id)
                do update set last_visit_at = greatest(ledger.guest_visits.last_visit_at, excluded.last_visit_at)
                """, Texts(later.Select(v => v.Key.ChainId)), Texts(later.Select(v => v.Key.RestaurantId)),
                Texts(later.Select(v => v.Key.GuestId)), Instants(later.Select(v => v.Value)));
    }
}
