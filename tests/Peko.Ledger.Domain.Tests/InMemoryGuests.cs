using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

/// <summary>Guests held in memory for migration decisions: each event applied as it is added, and kept in order.</summary>
public sealed class InMemoryGuests : IGuestWriter
{
    readonly Dictionary<string, GuestState> _states = new(StringComparer.Ordinal);

    public List<(string GuestId, object Event)> Written { get; } = [];

    public GuestState this[string guestId] => _states[guestId];

    /// <summary>A guest already in the ledger, folded from its events (of all three streams).</summary>
    public InMemoryGuests With(string guestId, params object[] events)
    {
        _states[guestId] = new GuestState(guestId, GuestProfile.From(events), PointsAccount.From(events), MembershipState.From(events));
        return this;
    }

    public void AddNew(string guestId) => With(guestId);
    public void Guest(string guestId, IEnumerable<object> events) => Add(guestId, events);
    public void Points(string guestId, IEnumerable<object> events) => Add(guestId, events);
    public void Membership(string guestId, IEnumerable<object> events) => Add(guestId, events);

    public void Merge(MergeEvents merge, string survivorId, string absorbedId)
    {
        Add(survivorId, [.. merge.SurvivorGuest, .. merge.SurvivorPoints, .. merge.SurvivorMembership]);
        Add(absorbedId, [.. merge.AbsorbedGuest, .. merge.AbsorbedPoints, .. merge.AbsorbedMembership]);
    }

    public IEnumerable<T> Events<T>() => Written.Select(w => w.Event).OfType<T>();

    void Add(string guestId, IEnumerable<object> events)
    {
        var state = _states[guestId];
        foreach (var e in events)
        {
            Written.Add((guestId, e));
            state.Profile.Apply(e);
            state.Points.Apply(e);
            state.Membership.Apply(e);
        }
    }
}
