using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Migration;

/// <summary>Counts rows, matches and results as a migration goes, and gives the report; pure.</summary>
public sealed class MigrationTally(string restaurantId)
{
    public const int ListedAtMost = 1000;

    readonly List<RowRejected> _rejected = [];
    readonly List<MatchedLine> _matches = [];
    readonly Dictionary<string, int> _byIdentifier = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _tiers = new(StringComparer.Ordinal);
    int _rows, _blank, _accepted, _rejectedCount, _create, _matched, _merges, _withinFile, _inLedger, _tierDiffers;
    int _opened, _adjusted, _unchanged, _notInFile;
    long _inFile, _before, _opening, _up, _down, _shortfall;

    public void RowRead() => _rows++;
    public void BlankLine() => _blank++;

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

    public void MigratedBeforeButNotInFile(int members) => _notInFile = members;

    public void Group(GuestGroup group, GroupResult result)
    {
        if (result.Created) _create++; else _matched++;
        _merges += result.Merged;
        _tiers[result.Tier] = _tiers.GetValueOrDefault(result.Tier) + 1;
        foreach (var match in group.Matches)
        {
            if (match.WithLine is null) _inLedger++; else _withinFile++;
            var by = IdentifierNames.Of(match.By);
            _byIdentifier[by] = _byIdentifier.GetValueOrDefault(by) + 1;
            if (_matches.Count < ListedAtMost) _matches.Add(new MatchedLine(match.Line, by, match.WithLine, match.WithGuest));
        }
        foreach (var m in result.Members)
        {
            _before += m.PointsBefore;
            if (m.Member.SourceTier is { Length: > 0 } source && !string.Equals(source.Trim(), result.Tier, StringComparison.OrdinalIgnoreCase))
                _tierDiffers++;
            switch (m.Outcome)
            {
                case MemberOutcome.Opened: _opened++; _opening += m.PointsChange; break;
                case MemberOutcome.Adjusted: _adjusted++; break;
                default: _unchanged++; break;
            }
            if (m.Outcome == MemberOutcome.Adjusted && m.PointsChange > 0) _up += m.PointsChange;
            if (m.Outcome == MemberOutcome.Adjusted && m.PointsChange < 0) _down -= m.PointsChange;
            _shortfall += m.Shortfall;
        }
    }

    public MigrationReport Report()
    {
        var after = _before + _opening + _up - _down;
        return new MigrationReport(_rows, _blank, _accepted, _rejectedCount, [.. _rejected], _create, _matched, _merges,
            new MatchSummary(_withinFile, _inLedger, new SortedDictionary<string, int>(_byIdentifier), [.. _matches]),
            new MemberSummary(_opened, _adjusted, _unchanged, _notInFile),
            new PointsReconciliation(restaurantId, _inFile, _before, _opening, _up, _down, _shortfall, after, after == _inFile),
            new SortedDictionary<string, int>(_tiers), _tierDiffers);
    }
}
