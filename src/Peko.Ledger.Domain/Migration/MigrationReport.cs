namespace Peko.Ledger.Domain.Migration;

/// <summary>
/// What a migration of one restaurant's export does (dry run) or did (commit). Lists are cut at
/// <see cref="MigrationTally.ListedAtMost"/> entries; the counts are always whole.
/// </summary>
public sealed record MigrationReport(
    int RowsRead, int BlankLines, int MembersAccepted, int RowsRejected, IReadOnlyList<RowRejected> Rejected,
    int GuestsToCreate, int GuestsMatched, int LedgerMerges, MatchSummary Matches, MemberSummary Members,
    PointsReconciliation Points, IReadOnlyDictionary<string, int> Tiers, int TiersDifferingFromSource);

/// <summary>
/// Members found to be one guest with an earlier line of the file (<see cref="WithinFile"/>) or with a guest already in
/// the ledger, from other restaurants' migrations or the counter (<see cref="InLedger"/>), and by which identifier.
/// </summary>
public sealed record MatchSummary(int WithinFile, int InLedger, IReadOnlyDictionary<string, int> ByIdentifier,
    IReadOnlyList<MatchedLine> Lines);

public sealed record MatchedLine(int Line, string By, int? WithLine, string? WithGuest);

/// <summary>Members migrated for the first time, changed since the last export, unchanged; earlier members missing here.</summary>
public sealed record MemberSummary(int Opened, int Adjusted, int Unchanged, int MigratedBeforeButNotInFile);

/// <summary>
/// The restaurant's points: <see cref="InFile"/> (accepted rows) against what its migrated members hold from it after
/// this migration: <see cref="After"/> = what earlier migrations issued them + opening balances + adjustments up − down.
/// <see cref="Balanced"/> when they are equal. <see cref="Shortfall"/>: a lower balance that could not be taken back
/// because the points were already spent in the pooled programme. <see cref="InLedger"/> is measured from the ledger's
/// events once committed.
/// </summary>
public sealed record PointsReconciliation(string RestaurantId, long InFile, long MigratedBefore, long OpeningBalances,
    long AdjustedUp, long AdjustedDown, long Shortfall, long After, bool Balanced, long? InLedger = null);
