using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Migration;

/// <summary>A guest already in the ledger that holds one of a file's identifiers.</summary>
public sealed record LedgerGuest(string GuestId, DateTimeOffset CreatedAt);

/// <summary>
/// Why a member joined its group: it shares an identifier (<see cref="By"/>) with an earlier line of the file
/// (<see cref="WithLine"/>) or with a guest already in the ledger (<see cref="WithGuest"/>).
/// </summary>
public sealed record MemberMatch(int Line, IdentifierKind By, int? WithLine, string? WithGuest);

/// <summary>
/// Members that are one real guest: connected by shared identifiers, with the ledger guests that hold any of them,
/// earliest created first (the one that survives when they are merged, as at the counter).
/// </summary>
public sealed record GuestGroup(IReadOnlyList<SourceMember> Members, IReadOnlyList<LedgerGuest> LedgerGuests,
    IReadOnlyList<MemberMatch> Matches)
{
    public bool IsNew => LedgerGuests.Count == 0;
}

/// <summary>
/// Groups a file's members into guests by identifier only (phone, email, Zalo id, POS customer id, all normalised):
/// never by name, which guests and POSes spell every way. Identifiers are never guessed: two members are one guest
/// exactly when a chain of equal identifiers connects them, which is the counter's own rule (docs/identity.md).
/// </summary>
public static class MemberMatcher
{
    public static IReadOnlyList<GuestGroup> Group(IReadOnlyList<SourceMember> members,
        IReadOnlyDictionary<GuestIdentifier, LedgerGuest> holders)
    {
        var parent = Enumerable.Range(0, members.Count).ToArray();
        var firstLine = new Dictionary<GuestIdentifier, int>();
        var matches = new Dictionary<int, MemberMatch>();
        var guestsOf = new Dictionary<int, HashSet<LedgerGuest>>();
        var memberOfGuest = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var i = 0; i < members.Count; i++)
            foreach (var id in members[i].Identifiers)
            {
                if (firstLine.TryGetValue(id, out var earlier))
                {
                    Union(parent, earlier, i);
                    matches.TryAdd(i, new MemberMatch(members[i].Line, id.Kind, members[earlier].Line, null));
                }
                else firstLine[id] = i;

                if (!holders.TryGetValue(id, out var guest)) continue;
                matches.TryAdd(i, new MemberMatch(members[i].Line, id.Kind, null, guest.GuestId));
                if (memberOfGuest.TryGetValue(guest.GuestId, out var other)) Union(parent, other, i);
                else memberOfGuest[guest.GuestId] = i;
                (guestsOf.TryGetValue(i, out var set) ? set : guestsOf[i] = []).Add(guest);
            }

        return [.. Enumerable.Range(0, members.Count).GroupBy(i => Find(parent, i)).OrderBy(g => g.Min())
            .Select(g => new GuestGroup(
                [.. g.Order().Select(i => members[i])],
                [.. g.SelectMany(i => guestsOf.GetValueOrDefault(i) ?? []).Distinct()
                    .OrderBy(x => x.CreatedAt).ThenBy(x => x.GuestId, StringComparer.Ordinal)],
                [.. g.Order().Where(matches.ContainsKey).Select(i => matches[i])]))];
    }

    static int Find(int[] parent, int i)
    {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    }

    static void Union(int[] parent, int a, int b)
    {
        var (ra, rb) = (Find(parent, a), Find(parent, b));
        if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }
}
