using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>A line of an export, read: blank, a member, or a rejection (never both).</summary>
public readonly record struct ParsedRow(int Line, bool Blank, SourceMember? Member, RowRejected? Rejected);

/// <summary>One restaurant's member export, read: its accepted members in file order; the rest counted in the tally.</summary>
public static class MemberExport
{
    /// <summary>
    /// Reads the file row by row, in flat memory: blank lines (those before the header first), members, and rows
    /// rejected with their reasons. A later duplicate of a member is not detected here (that needs every key seen so
    /// far): <see cref="Read"/> does it in memory, the migration's staging in the database. A header that fits neither
    /// preset nor mapping throws before any row is returned.
    /// </summary>
    public static IEnumerable<ParsedRow> Parse(Stream file, ColumnMapping mapping, string restaurantId, Chain chain, DateOnly today)
    {
        var reader = new MemberFileReader(file);
        try
        {
            var parser = new MemberRowParser(mapping.Resolve(reader.Header), restaurantId, chain, today);
            return Rows(reader, parser);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    static IEnumerable<ParsedRow> Rows(MemberFileReader reader, MemberRowParser parser)
    {
        using (reader)
        {
            for (var i = 0; i < reader.BlankLinesBeforeHeader; i++) yield return new ParsedRow(0, true, null, null);
            foreach (var row in reader.Rows())
            {
                if (row.Blank) { yield return new ParsedRow(row.Line, true, null, null); continue; }
                var member = parser.Parse(row, out var rejected);
                yield return new ParsedRow(row.Line, false, member, rejected);
            }
        }
    }

    /// <summary>
    /// Reads the whole file into memory (small files and tests; migrations stage theirs). Blank lines, rejected rows
    /// (with their reasons) and later duplicates of a member go to <paramref name="tally"/>.
    /// </summary>
    public static List<SourceMember> Read(Stream file, ColumnMapping mapping, string restaurantId, Chain chain, DateOnly today,
        MigrationTally tally)
    {
        var duplicates = new DuplicateMembers();
        var members = new List<SourceMember>();
        foreach (var row in Parse(file, mapping, restaurantId, chain, today))
        {
            if (row.Blank) { tally.BlankLine(); continue; }
            tally.RowRead();
            var rejected = row.Member is { } member ? duplicates.Check(member) : row.Rejected;
            if (rejected is not null) tally.Rejected(rejected);
            else
            {
                tally.Accepted(row.Member!);
                members.Add(row.Member!);
            }
        }
        return members;
    }
}
