using Npgsql;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// A new row of <c>ledger.points_lots</c>; <see cref="Remaining"/> and <see cref="GuestId"/> move while the batch is
/// pending.
/// </summary>
public sealed record NewLot(string LotId, string ChainId, string GuestId, string RestaurantId, string? OrderId, long Points,
    DateTimeOffset EarnedAt, DateTimeOffset SpendableFrom, DateOnly ExpiresOn, decimal PointValue)
{
    public string GuestId { get; set; } = GuestId;
    public long Remaining { get; set; } = Points;
}

/// <summary>
/// <c>ledger.points_lots</c>: new lots, what is left of each (points taken or given back add up), and the guest each
/// belongs to after a merge (the last one wins).
/// </summary>
public sealed class PointsLotRows : RowBatch
{
    readonly Dictionary<string, NewLot> _new = new(StringComparer.Ordinal);
    readonly List<NewLot> _again = []; // a lot id issued twice: inserted again, so the key refuses it as one by one would
    readonly Dictionary<string, long> _changes = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _handedOn = new(StringComparer.Ordinal);

    public override int Order => RowOrder.PointsLots;
    public override IReadOnlyCollection<string> Tables { get; } = ["points_lots"];
    public override int Count => _new.Count + _again.Count + _changes.Count + _handedOn.Count;

    public void Issue(NewLot lot)
    {
        lot = lot with { ChainId = Shared(lot.ChainId), RestaurantId = Shared(lot.RestaurantId) };
        if (!_new.TryAdd(lot.LotId, lot)) _again.Add(lot);
        // Handing on a lot that was not there yet changed nothing (or the lot is there, and this insert fails).
        else _handedOn.Remove(lot.LotId);
    }

    /// <summary>The lot, where it exists, now belongs to <paramref name="guestId"/>.</summary>
    public void HandOn(string lotId, string guestId)
    {
        if (_new.TryGetValue(lotId, out var lot)) lot.GuestId = guestId;
        else _handedOn[lotId] = guestId;
    }

    public void Move(string lotId, long points)
    {
        if (_new.TryGetValue(lotId, out var lot)) lot.Remaining += points;
        else _changes[lotId] = _changes.GetValueOrDefault(lotId) + points;
    }

    public override IEnumerable<RowWrite> Writes()
    {
        if (_new.Count > 0)
        {
            IReadOnlyCollection<NewLot> lots = _again.Count == 0 ? _new.Values : [.. _new.Values, .. _again];
            yield return Insert("points_lots", lots).Text("lot_id", l => l.LotId).Text("chain_id", l => l.ChainId)
                .Text("guest_id", l => l.GuestId).Text("restaurant_id", l => l.RestaurantId).Text("order_id", l => l.OrderId)
                .Long("points", l => l.Points).Long("remaining", l => l.Remaining).Instant("earned_at", l => l.EarnedAt)
                .Instant("spendable_from", l => l.SpendableFrom).Date("expires_on", l => l.ExpiresOn)
                .Numeric("point_value", l => l.PointValue);
        }
        var moved = _changes.Where(c => c.Value != 0).ToList();
        if (moved.Count > 0)
            yield return Command("""
                update ledger.points_lots l set remaining = l.remaining + m.points
                from unnest($1::text[], $2::bigint[]) as m(lot_id, points) where l.lot_id = m.lot_id
                """, Texts(moved.Select(c => c.Key)), Longs(moved.Select(c => c.Value)));
        if (_handedOn.Count > 0)
            yield return Command("""
                update ledger.points_lots l set guest_id = m.guest_id
                from unnest($1::text[], $2::text[]) as m(lot_id, guest_id) where l.lot_id = m.lot_id
                """, Texts(_handedOn.Keys), Texts(_handedOn.Values));
    }
}

/// <summary><c>ledger.guest_points</c>: a row per guest, and the points each owes (changes add up).</summary>
public sealed class GuestPointsRows : RowBatch
{
    readonly Dictionary<string, (string ChainId, long Deficit)> _new = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> _changes = new(StringComparer.Ordinal);

    public override int Order => RowOrder.GuestPoints;
    public override IReadOnlyCollection<string> Tables { get; } = ["guest_points"];
    public override int Count => _new.Count + _changes.Count;

    public void Register(string guestId, string chainId) => _new.Add(guestId, (Shared(chainId), 0));

    public void Owe(string guestId, long change)
    {
        if (change == 0) return;
        if (_new.TryGetValue(guestId, out var row)) _new[guestId] = row with { Deficit = row.Deficit + change };
        else _changes[guestId] = _changes.GetValueOrDefault(guestId) + change;
    }

    public override IEnumerable<RowWrite> Writes()
    {
        if (_new.Count > 0)
            yield return Insert("guest_points", _new).Text("guest_id", r => r.Key).Text("chain_id", r => r.Value.ChainId)
                .Long("deficit", r => r.Value.Deficit);
        var owed = _changes.Where(c => c.Value != 0).ToList();
        if (owed.Count > 0)
            yield return Command("""
                update ledger.guest_points g set deficit = g.deficit + u.change
                from unnest($1::text[], $2::bigint[]) as u(guest_id, change) where g.guest_id = u.guest_id
                """, Texts(owed.Select(c => c.Key)), Longs(owed.Select(c => c.Value)));
    }
}
