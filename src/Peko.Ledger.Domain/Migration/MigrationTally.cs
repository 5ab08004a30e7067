using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Migration;

/// <summary>
/// What the groups of a migration came to so far. Kept with a commit's progress, in the same transaction as each
/// batch, so a commit resumed after a crash reports exactly what an uninterrupted one would.
/// </summary>
public sealed class MigrationResults
{
    public int GuestsCreated { get; set; }
    public int GuestsMatched { get; set; }
    public int LedgerMerges { get; set; }
    public int WithinFile { get; set; }
    public int InLedger { get; set; }
    public int TiersDifferingFromSource { get; set; }
    public int Opened { get; set; }
    public int Adjusted { get; set; }
    public int Unchanged { get; set; }
    public long MigratedBefore { get; set; }
    public long OpeningBalances { get; set; }
    public long AdjustedUp { get; set; }
    public long AdjustedDown { get; set; }
    public long Shortfall { get; set; }
    public SortedDictionary<string, int> ByIdentifier { get; set; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, int> Tiers { get; set; } = new(StringComparer.Ordinal);
    public List<MatchedLine> Matches { get; set; } = [];
}

/// <summary>
/// What reading an export came to, before any matching: rows read, blank lines, members accepted, rows rejected (the
/// first <see cref="MigrationTally.ListedAtMost"/> listed) and the points in the accepted rows. Kept with the staged
/// members, so a commit reports the file as its dry run read it without reading it again.
/// </summary>
public sealed record FileFigures(int RowsRead, int BlankLines, int MembersAccepted, int RowsRejected,
    IReadOnlyList<RowRejected> Rejected, long PointsInFile);

/// <summary>Counts rows, matches and results as a migration goes, and gives the report; pure.</summary>
public sealed class MigrationTally(string restaurantId)
{
    public const int ListedAtMost = 1000;

    readonly List<RowRejected> _rejected = [];
    int _rows, _blank, _accepted, _rejectedCount, _notInFile;
    long _inFile;

    public MigrationResults Results { get; private set; } = new();

    /// <summary>A tally that starts from a file already read (its members staged).</summary>
    public static MigrationTally Of(string restaurantId, FileFigures file)
    {
        var tally = new MigrationTally(restaurantId)
        {
            _rows = file.RowsRead, _blank = file.BlankLines, _accepted = file.MembersAccepted, _rejectedCount = file.RowsRejected,
            _inFile = file.PointsInFile,
        };
        tally._rejected.AddRange(file.Rejected);
        return tally;
    }

    /// <summary>What the rows read so far came to.</summary>
    public FileFigures File => new(_rows, _blank, _accepted, _rejectedCount, [.. _rejected], _inFile);

    /// <summary>Carries on from the results of batches an earlier, interrupted run committed.</summary>
    public void Resume(MigrationResults results) => Results = results;

    public void RowRead() => _rows++;
    public void BlankLine() => _blank++;
    public void MigratedBeforeButNotInFile(int members) => _notInFile = members;

    public void Rejected(RowRejected row)
    {
        _rejectedCount++;
        if (_rejected.Count < ListedAtMost) _rejected.Add(row);
    }

    public void Accepted(SourceMember member)
    {
        _accepted++;
        _inFile += member.Points;
    }

    public void Group(GuestGroup group, GroupResult result)
    {
        var r = Results;
        if (result.Created) r.GuestsCreated++; else r.GuestsMatched++;
        r.LedgerMerges += result.Merged;
        r.Tiers[result.Tier] = r.Tiers.GetValueOrDefault(result.Tier) + 1;
        foreach (var match in group.Matches)
        {
            if (match.WithLine is null) r.InLedger++; else r.WithinFile++;
            var by = IdentifierNames.Of(match.By);
            r.ByIdentifier[by] = r.ByIdentifier.GetValueOrDefault(by) + 1;
            if (r.Matches.Count < ListedAtMost) r.Matches.Add(new MatchedLine(match.Line, by, match.WithLine, match.WithGuest));
        }
        foreach (var m in result.Members)
        {
            r.MigratedBefore += m.PointsBefore;
            r.Shortfall += m.Shortfall;
            if (m.Member.SourceTier is { Length: > 0 } source && !string.Equals(source.Trim(), result.Tier, StringComparison.OrdinalIgnoreCase))
                r.TiersDifferingFromSource++;
            switch (m.Outcome)
            {
                case MemberOutcome.Opened: r.Opened++; r.OpeningBalances += m.PointsChange; break;
                case MemberOutcome.Adjusted when m.PointsChange >= 0: r.Adjusted++; r.AdjustedUp += m.PointsChange; break;
                case MemberOutcome.Adjusted: r.Adjusted++; r.AdjustedDown -= m.PointsChange; break;
                default: r.Unchanged++; break;
            }
        }
    }

    public MigrationReport Report()
    {
        var r = Results;
        var after = r.MigratedBefore + r.OpeningBalances + r.AdjustedUp - r.AdjustedDown;
        return new MigrationReport(_rows, _blank, _accepted, _rejectedCount, [.. _rejected], r.GuestsCreated, r.GuestsMatched,
            r.LedgerMerges, new MatchSummary(r.WithinFile, r.InLedger, r.ByIdentifier, [.. r.Matches]),
            new MemberSummary(r.Opened, r.Adjusted, r.Unchanged, _notInFile),
            new PointsReconciliation(restaurantId, _inFile, r.MigratedBefore, r.OpeningBalances, r.AdjustedUp, r.AdjustedDown,
                r.Shortfall, after, after == _inFile),
            r.Tiers, r.TiersDifferingFromSource);
    }
}
