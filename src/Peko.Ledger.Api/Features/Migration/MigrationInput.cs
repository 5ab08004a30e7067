using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// An export read for a migration: its members, their groups within the file (the unit of a batch: a guest's members
/// are never split across batches), the figures last migrated for the restaurant, and the tally of its rows.
/// </summary>
public sealed record MigrationInput(IReadOnlyList<SourceMember> Members, IReadOnlyList<GuestGroup> Groups,
    IReadOnlyDictionary<string, MigratedMembers.Row> Before, MigrationTally Tally)
{
    public IReadOnlyDictionary<string, MigratedFigures> Figures { get; } =
        Before.ToDictionary(b => b.Key, b => b.Value.Figures, StringComparer.Ordinal);

    public static MigrationInput Read(byte[] content, ColumnMapping mapping, string restaurantId, Chain chain, DateOnly today,
        Dictionary<string, MigratedMembers.Row> before)
    {
        var tally = new MigrationTally(restaurantId);
        var members = MemberExport.Read(new MemoryStream(content, writable: false), mapping, restaurantId, chain, today, tally);
        var inFile = members.Select(m => m.MemberKey).ToHashSet(StringComparer.Ordinal);
        tally.MigratedBeforeButNotInFile(before.Keys.Count(k => !inFile.Contains(k)));
        return new MigrationInput(members, MemberMatcher.Group(members, new Dictionary<Domain.Guests.GuestIdentifier, LedgerGuest>()),
            before, tally);
    }

    /// <summary>Consecutive groups of about <paramref name="size"/> members, from group <paramref name="skip"/> on.</summary>
    public IEnumerable<GuestGroup[]> Batches(int size, int skip)
    {
        var batch = new List<GuestGroup>();
        var count = 0;
        foreach (var group in Groups.Skip(skip))
        {
            batch.Add(group);
            count += group.Members.Count;
            if (count < size) continue;
            yield return [.. batch];
            (batch, count) = ([], 0);
        }
        if (batch.Count > 0) yield return [.. batch];
    }
}
