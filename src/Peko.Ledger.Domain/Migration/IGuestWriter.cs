using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Migration;

/// <summary>
/// The guests a migration step works on: their folded state, and a place for the events decided for them. Each event
/// is applied to the guest's state as it is added, so later decisions see it. The host's implementation appends them
/// in one transaction; tests keep them in memory.
/// </summary>
public interface IGuestWriter
{
    GuestState this[string guestId] { get; }

    /// <summary>A guest not in the ledger yet (its streams must not exist).</summary>
    void AddNew(string guestId);

    void Guest(string guestId, IEnumerable<object> events);
    void Points(string guestId, IEnumerable<object> events);
    void Membership(string guestId, IEnumerable<object> events);
    void Merge(MergeEvents merge, string survivorId, string absorbedId);
}
