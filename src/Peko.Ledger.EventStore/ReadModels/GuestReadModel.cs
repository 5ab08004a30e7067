using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Guests, the identifiers that find them, and their visits (last visit overall and per restaurant).</summary>
public sealed class GuestReadModel : IProjection
{
    public string Name => "guests";
    public IReadOnlyCollection<string> Tables { get; } = ["guests", "guest_identifiers", "guest_points", "memberships", "guest_visits", "guest_orders"];

    public EventParts Reads => EventParts.None;

    public IReadOnlyCollection<string> IndexesForReaders { get; } = ["guests_chain", "guests_merged_into"];

    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(GuestRegistered), typeof(GuestIdentifierLinked), typeof(GuestNamed), typeof(SpendRecorded), typeof(PointsRedeemed),
         typeof(GuestMergedInto), typeof(GuestRestored), typeof(GuestMemberMigrated)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case GuestRegistered g:
                    context.Rows<GuestRows>().Register(g.GuestId, g.ChainId, g.At);
                    context.Rows<GuestPointsRows>().Register(g.GuestId, g.ChainId);
                    context.Rows<MembershipRows>().Register(g.GuestId, g.ChainId);
                    break;
                case GuestIdentifierLinked l:
                    context.Rows<GuestIdentifierRows>().Link(e.ChainId, l.Kind.ToString(), l.Value, l.GuestId);
                    break;
                case GuestNamed n:
                    context.Rows<GuestRows>().Name(n.GuestId, n.Name);
                    break;
                case SpendRecorded s:
                    Visit(context, e.ChainId, s.GuestId, s.RestaurantId, s.OrderId, s.OccurredAt);
                    break;
                case PointsRedeemed r:
                    Visit(context, e.ChainId, r.GuestId, r.RestaurantId, r.OrderId, r.OccurredAt);
                    break;
                case GuestMemberMigrated { LastVisitAt: { } at } m:
                    // The last visit the restaurant's own POS knew: lookups and managers see the guest as its guest.
                    LastVisit(context, e.ChainId, m.GuestId, m.RestaurantId, at);
                    break;
                case GuestMergedInto m:
                    Merged(context, m.AbsorbedId, m.SurvivorId);
                    break;
                case GuestRestored r:
                    Restored(context, r.AbsorbedId, r.SurvivorId);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    /// <summary>The absorbed guest points at its survivor; its identifiers and visits now find the survivor.</summary>
    static void Merged(ProjectionContext context, string absorbed, string survivor)
    {
        string[] guests = [absorbed, survivor];
        context.QueueForGuests(guests, "update ledger.guests set merged_into = $2 where guest_id = $1", absorbed, survivor);
        context.QueueForGuests(guests, "update ledger.guest_identifiers set guest_id = $2 where guest_id = $1", absorbed, survivor);
        context.QueueForGuests(guests, """
            insert into ledger.guest_visits (chain_id, restaurant_id, guest_id, last_visit_at)
            select chain_id, restaurant_id, $2, last_visit_at from ledger.guest_visits where guest_id = $1
            on conflict (chain_id, restaurant_id, guest_id)
            do update set last_visit_at = greatest(ledger.guest_visits.last_visit_at, excluded.last_visit_at)
            """, absorbed, survivor);
        context.QueueForGuests(guests, """
            update ledger.guests s set last_visit_restaurant = a.last_visit_restaurant, last_visit_at = a.last_visit_at
            from ledger.guests a
            where s.guest_id = $2 and a.guest_id = $1 and a.last_visit_at is not null
              and (s.last_visit_at is null or s.last_visit_at < a.last_visit_at)
            """, absorbed, survivor);
    }

    /// <summary>
    /// The absorbed guest stands alone again with the identifiers linked in its own stream (those it brought). The
    /// survivor keeps the visit rows it gained: a visit is a fact about the survivor's history as it was shown.
    /// </summary>
    static void Restored(ProjectionContext context, string absorbed, string survivor)
    {
        string[] guests = [absorbed, survivor];
        context.QueueForGuests(guests, "update ledger.guests set merged_into = null where guest_id = $1", absorbed);
        context.QueueForGuests(guests, """
            update ledger.guest_identifiers i set guest_id = $1
            from ledger.events e
            where e.stream_id = 'guest-' || $1 and e.type = 'guest-identifier-linked' and i.guest_id = $2
              and i.kind = (array['Phone', 'Email', 'Zalo', 'PosCustomer'])[(e.data->>'kind')::int + 1]
              and i.value = e.data->>'value'
            """, absorbed, survivor);
    }

    static void Visit(ProjectionContext context, string chainId, string guestId, string restaurantId, string orderId,
        DateTimeOffset at)
    {
        context.Rows<GuestOrderRows>().Record(chainId, restaurantId, orderId, guestId);
        LastVisit(context, chainId, guestId, restaurantId, at);
    }

    static void LastVisit(ProjectionContext context, string chainId, string guestId, string restaurantId, DateTimeOffset at)
    {
        context.Rows<GuestVisitRows>().Visit(chainId, restaurantId, guestId, at);
        context.Rows<GuestRows>().LastVisit(guestId, restaurantId, at);
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        foreach (var table in new[] { "guest_orders", "guest_visits", "guest_identifiers", "guest_points", "memberships", "guests" })
            context.Queue($"delete from ledger.{table}");
        return ValueTask.CompletedTask;
    }
}
