using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// The guests this process has folded lately, each as far as its streams were read, so that a command reads and folds
/// only the events appended since: a regular's whole history is read once, not at every visit.
/// <para>
/// Stored events never change, so the fold of a stream's first N events stays right for good. A command still reads,
/// under the streams' locks, every event after the N it was given, whoever appended them (this process or another),
/// and it is those stored events that are folded in, never the command's own: its transaction may yet roll back.
/// </para>
/// <para>
/// A command takes its guest's entry out and puts it back once it has read the guest's streams, so no two commands
/// ever fold into one entry; a command that finds none (another holds it, or it was never read or was dropped) reads
/// the streams from the start. Guests with fewer than <c>minimum</c> events are not kept: they are read as cheaply
/// as they would be copied. The least recently used guests are dropped once the entries hold more than
/// <c>capacity</c> events in all (0 keeps none).
/// </para>
/// </summary>
public sealed class FoldedGuests(long capacity, long minimum = FoldedGuests.DefaultMinimum)
{
    /// <summary>The events kept by default in all: 100 regulars of 1,000 events, at about 0.7 KB of memory an event.</summary>
    public const long DefaultCapacity = 100_000;

    /// <summary>The fewest events a guest's streams hold to be kept, by default.</summary>
    public const long DefaultMinimum = 20;

    readonly Lock _lock = new();
    readonly Dictionary<string, LinkedListNode<FoldedGuest>> _entries = new(StringComparer.Ordinal);
    readonly LinkedList<FoldedGuest> _recent = []; // most recently put back first
    long _events;

    /// <summary>Whether <see cref="Return"/> would keep this guest: long enough to be worth it, short enough to fit.</summary>
    public bool Keeps(FoldedGuest guest) => guest.Events >= minimum && guest.Events <= capacity;

    /// <summary>The events the entries hold in all.</summary>
    public long Events { get { lock (_lock) return _events; } }

    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <summary>The guest's entry, taken out (null when there is none): put it back with <see cref="Return"/>.</summary>
    public FoldedGuest? Take(string guestId)
    {
        lock (_lock)
        {
            if (!_entries.Remove(guestId, out var node)) return null;
            _recent.Remove(node);
            _events -= node.Value.Events;
            return node.Value;
        }
    }

    /// <summary>Keeps <paramref name="guest"/> (folded from stored events only), dropping the least recently used beyond the capacity.</summary>
    public void Return(FoldedGuest guest)
    {
        if (!Keeps(guest)) return;
        lock (_lock)
        {
            if (_entries.Remove(guest.GuestId, out var existing))
            {
                // Another command read the same guest meanwhile: keep whichever has read further.
                _recent.Remove(existing);
                _events -= existing.Value.Events;
                if (existing.Value.Events > guest.Events) guest = existing.Value;
            }
            _entries[guest.GuestId] = _recent.AddFirst(guest);
            _events += guest.Events;
            while (_events > capacity && _recent.Last is { } oldest)
            {
                _recent.RemoveLast();
                _entries.Remove(oldest.Value.GuestId);
                _events -= oldest.Value.Events;
            }
        }
    }
}

/// <summary>A guest's three streams folded up to the versions they were read at.</summary>
public sealed class FoldedGuest(string guestId)
{
    public string GuestId => guestId;
    public GuestProfile Profile { get; } = new();
    public PointsAccount Points { get; } = new();
    public MembershipState Membership { get; } = new();
    public long GuestVersion { get; set; }
    public long PointsVersion { get; set; }
    public long MembershipVersion { get; set; }

    public long Events => GuestVersion + PointsVersion + MembershipVersion;
}
