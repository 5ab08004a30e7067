namespace Peko.Ledger.Domain.Migration;

/// <summary>A line of an export that was not taken, and why, in words an admin can act on (never the phone or email).</summary>
public sealed record RowRejected(int Line, string Reason);

/// <summary>Keeps the first of several lines that are the same member (same POS customer id, or same key identifier).</summary>
public sealed class DuplicateMembers
{
    readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

    /// <summary>Null when the member is new in this file, else the rejection of this later line.</summary>
    public RowRejected? Check(SourceMember member) =>
        _seen.TryAdd(member.MemberKey, member.Line) ? null : Duplicate(member, _seen[member.MemberKey]);

    /// <summary>The rejection of <paramref name="member"/>, the same member as the one on <paramref name="firstLine"/>.</summary>
    public static RowRejected Duplicate(SourceMember member, int firstLine) =>
        new(member.Line, $"duplicate member: same {Guests.IdentifierNames.Of(member.KeyIdentifier.Kind)} as line {firstLine} " +
                         "(the POS lists one balance per member)");
}
