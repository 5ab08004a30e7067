using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>One restaurant's member export, read: its accepted members in file order; the rest counted in the tally.</summary>
public static class MemberExport
{
    /// <summary>
    /// Reads the whole file. Blank lines, rejected rows (with their reasons) and later duplicates of a member go to
    /// <paramref name="tally"/>; a header that fits neither preset nor mapping throws before any row is read.
    /// </summary>
    public static List<SourceMember> Read(Stream file, ColumnMapping mapping, string restaurantId, Chain chain, DateOnly today,
        MigrationTally tally)
    {
        using var reader = new MemberFileReader(file);
        var parser = new MemberRowParser(mapping.Resolve(reader.Header), restaurantId, chain, today);
        var duplicates = new DuplicateMembers();
        var members = new List<SourceMember>();
        for (var i = 0; i < reader.BlankLinesBeforeHeader; i++) tally.BlankLine();
        foreach (var row in reader.Rows())
        {
            if (row.Blank) { tally.BlankLine(); continue; }
            tally.RowRead();
            var member = parser.Parse(row, out var rejected);
            if (member is not null) rejected = duplicates.Check(member);
            if (rejected is not null) tally.Rejected(rejected);
            else
            {
                tally.Accepted(member!);
                members.Add(member!);
            }
        }
        return members;
    }
}
