namespace Peko.Ledger.Domain.Points;

// Events of the points stream (kind "points", id "points-{guestId}"): the guest's ledger. No personal data here:
// guests are referenced by id. Each carries the POS time (OccurredAt); the store adds the recorded time, the
// actor (API key id) and the restaurant as metadata.

/// <summary>
/// Points taken from (or given back to) one lot; the lot's issuing restaurant travels with it, and, when points are
/// spent, the lot's expiry and point value, so a later void can give them back even if the lot has since left the
/// guest (an undone merge took it back to its first owner).
/// </summary>
public sealed record LotPoints(string LotId, string IssuedBy, long Points, DateOnly? ExpiresOn = null, decimal? PointValue = null);

/// <summary>
/// An order earned points: a new lot. <see cref="DeficitRepaid"/> of the points first paid off a negative balance left
/// by an earlier void; the lot holds the rest.
/// </summary>
public sealed record PointsEarned(
    string GuestId, string LotId, string RestaurantId, string OrderId, decimal Amount, long Points, long DeficitRepaid,
    string Tier, decimal Multiplier, DateTimeOffset OccurredAt, DateTimeOffset SpendableFrom, DateOnly ExpiresOn,
    int ProgrammeVersion, decimal PointValue);

/// <summary>Points spent on an order, taken from the listed lots (soonest-expiring first).</summary>
public sealed record PointsRedeemed(
    string GuestId, string RestaurantId, string OrderId, long Points, decimal Discount, IReadOnlyList<LotPoints> Lots,
    DateTimeOffset OccurredAt, int ProgrammeVersion);

/// <summary>
/// An order was voided or refunded (by <see cref="Amount"/> of its <see cref="OrderAmount"/>). Points it redeemed go
/// back to their lots (<see cref="Restored"/>), or, for a lot the guest no longer holds, into a new lot with the same
/// issuer, expiry and value (<see cref="RestoredAsNewLots"/>); points it earned are taken back
/// (<see cref="TakenBack"/>), and what could not be taken back because it was already spent becomes a negative
/// balance (<see cref="Shortfall"/>).
/// </summary>
public sealed record OrderVoided(
    string GuestId, string RestaurantId, string OrderId, string VoidId, decimal Amount, decimal? OrderAmount,
    IReadOnlyList<LotPoints> Restored, IReadOnlyList<LotPoints> TakenBack, long Shortfall, DateTimeOffset OccurredAt)
{
    public IReadOnlyList<MovedLot> RestoredAsNewLots { get; init; } = [];
}

/// <summary>
/// A manager's or admin's correction. Positive: first pays off a negative balance, the rest is a new lot issued by
/// <see cref="RestaurantId"/>. Negative: taken from lots soonest-expiring first.
/// </summary>
public sealed record PointsAdjusted(
    string GuestId, string AdjustmentId, string RestaurantId, long Points, string Reason, string? LotId,
    DateOnly? ExpiresOn, long DeficitRepaid, IReadOnlyList<LotPoints> TakenFrom, DateTimeOffset OccurredAt,
    int ProgrammeVersion, decimal PointValue);

/// <summary>What was left of a lot on its expiry date (in the chain's time zone) is gone: breakage for its issuer.</summary>
public sealed record PointsExpired(string GuestId, string LotId, string IssuedBy, long Points, DateOnly ExpiredOn);
