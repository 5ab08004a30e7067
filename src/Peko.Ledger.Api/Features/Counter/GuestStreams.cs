using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// The guests one command touches, read under their stream locks: their folded state, the versions read, and the
/// events decided so far, appended together at the end (one transaction, an expected version per stream).
/// </summary>
public sealed class GuestStreams
{
    readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<object>> _pending = new(StringComparer.Ordinal);
    readonly Dictionary<string, GuestState> _guests = new(StringComparer.Ordinal);

    public GuestState this[string guestId] => _guests[guestId];

    public bool Contains(string guestId) => _guests.ContainsKey(guestId);

    /// <summary>
    /// Locks and reads the three streams of each guest (one round trip), and folds them: from where
    /// <paramref name="folded"/> left them, when it has them, reading only the events after that.
    /// </summary>
    public static async Task<GuestStreams> LoadAsync(LedgerStore store, FoldedGuests folded, UnitOfWork work,
        IReadOnlyCollection<string> guestIds, CancellationToken ct)
    {
        var loaded = new GuestStreams();
        var guests = guestIds.Distinct().Select(g => folded.Take(g) ?? new FoldedGuest(g)).ToList();
        var after = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var g in guests)
            (after[GuestStream(g.GuestId)], after[PointsStream(g.GuestId)], after[MembershipStream(g.GuestId)]) =
                (g.GuestVersion, g.PointsVersion, g.MembershipVersion);
        var read = await store.LockAndReadStreamsAsync(work.Connection, work.Transaction, after.Keys, after, ct);
        foreach (var g in guests)
        {
            // Stored events only, folded into the entry; the command works on copies, to which it applies its own.
            g.GuestVersion = Fold(read[GuestStream(g.GuestId)], g.GuestVersion, g.Profile.Apply);
            g.PointsVersion = Fold(read[PointsStream(g.GuestId)], g.PointsVersion, g.Points.Apply);
            g.MembershipVersion = Fold(read[MembershipStream(g.GuestId)], g.MembershipVersion, g.Membership.Apply);
            (loaded._versions[GuestStream(g.GuestId)], loaded._versions[PointsStream(g.GuestId)],
                loaded._versions[MembershipStream(g.GuestId)]) = (g.GuestVersion, g.PointsVersion, g.MembershipVersion);
            if (folded.Keeps(g))
            {
                loaded._guests[g.GuestId] = new GuestState(g.GuestId, g.Profile.Clone(), g.Points.Clone(), g.Membership.Clone());
                folded.Return(g);
            }
            else loaded._guests[g.GuestId] = new GuestState(g.GuestId, g.Profile, g.Points, g.Membership);
        }
        return loaded;
    }

    static long Fold(IReadOnlyList<StoredEvent> events, long version, Action<object> apply)
    {
        foreach (var e in events)
        {
            if (e.Version != ++version)
                throw new InvalidOperationException($"Stream {e.StreamId} read at version {e.Version} where {version} was next.");
            apply(e.Data);
        }
        return version;
    }

    /// <summary>
    /// Some of the guests read, for one command of several read together: their states and versions (not copies: each
    /// guest belongs to one command), and none of the events decided so far.
    /// </summary>
    public GuestStreams Part(IEnumerable<string> guestIds)
    {
        var part = new GuestStreams();
        foreach (var guestId in guestIds)
        {
            part._guests[guestId] = _guests[guestId];
            foreach (var stream in new[] { GuestStream(guestId), PointsStream(guestId), MembershipStream(guestId) })
                part._versions[stream] = _versions[stream];
        }
        return part;
    }

    /// <summary>A guest not in the store yet (its streams are expected not to exist).</summary>
    public void AddNew(string guestId)
    {
        foreach (var stream in new[] { GuestStream(guestId), PointsStream(guestId), MembershipStream(guestId) })
            _versions[stream] = 0;
        _guests[guestId] = new GuestState(guestId, new GuestProfile(), new PointsAccount(), new MembershipState());
    }

    public void Guest(string guestId, IEnumerable<object> events) => Add(GuestStream(guestId), guestId, events);
    public void Points(string guestId, IEnumerable<object> events) => Add(PointsStream(guestId), guestId, events);
    public void Membership(string guestId, IEnumerable<object> events) => Add(MembershipStream(guestId), guestId, events);

    public void Add(MergeEvents merge, string survivorId, string absorbedId)
    {
        Guest(survivorId, merge.SurvivorGuest);
        Points(survivorId, merge.SurvivorPoints);
        Membership(survivorId, merge.SurvivorMembership);
        Guest(absorbedId, merge.AbsorbedGuest);
        Points(absorbedId, merge.AbsorbedPoints);
        Membership(absorbedId, merge.AbsorbedMembership);
    }

    public IReadOnlyList<StreamAppend> Appends() =>
        [.. _pending.Where(p => p.Value.Count > 0).Select(p => new StreamAppend(p.Key, p.Key[..p.Key.IndexOf('-', StringComparison.Ordinal)],
            ExpectedVersion.Exactly(_versions[p.Key]), p.Value))];

    void Add(string stream, string guestId, IEnumerable<object> events)
    {
        var state = _guests[guestId];
        foreach (var e in events)
        {
            (_pending.TryGetValue(stream, out var list) ? list : _pending[stream] = []).Add(e);
            state.Profile.Apply(e);
            state.Points.Apply(e);
            state.Membership.Apply(e);
        }
    }
}
