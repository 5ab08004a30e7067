namespace Peko.Ledger.Domain.Migration;

// Events a migration appends, besides the guest stream's usual GuestRegistered, GuestIdentifierLinked, GuestNamed and
// merges, PointsAdjusted for a later export's differences, and TierChanged. None holds personal data: members are
// named by their hashed MemberKey (SourceMember.MemberKey).

/// <summary>
/// Guest stream: this guest was a member of <see cref="RestaurantId"/>'s own programme and came in with migration
/// <see cref="MigrationId"/>; <see cref="LastVisitAt"/> is the last visit that POS knew of.
/// </summary>
public sealed record GuestMemberMigrated(string GuestId, string MigrationId, string RestaurantId, string MemberKey,
    int Line, DateOnly? JoinedOn, DateTimeOffset? LastVisitAt, DateTimeOffset At);

/// <summary>
/// Points stream: the member's balance in its restaurant's own programme, brought in as one lot issued by that
/// restaurant (its liability stays with it), spendable at once, expiring when the source said or after the
/// programme's default period.
/// </summary>
public sealed record OpeningBalanceMigrated(string GuestId, string LotId, string RestaurantId, string MigrationId,
    string MemberKey, long Points, DateOnly ExpiresOn, decimal PointValue, DateTimeOffset OccurredAt, int ProgrammeVersion);

/// <summary>
/// Membership stream: spend the member had in its restaurant's own programme, counted toward tiers as if it were one
/// order dated <see cref="OccurredAt"/> (the last visit the POS knew, else the migration). <see cref="Amount"/> can be
/// negative when a later export reports less than the last. <see cref="LifetimeSpend"/> is the source's figure, kept
/// for reference.
/// </summary>
public sealed record OpeningSpendMigrated(string GuestId, string RestaurantId, string SpendId, string MigrationId,
    string MemberKey, decimal Amount, decimal? LifetimeSpend, DateTimeOffset OccurredAt);
