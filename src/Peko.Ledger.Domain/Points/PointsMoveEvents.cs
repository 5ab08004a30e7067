namespace Peko.Ledger.Domain.Points;

// Points moving between two guests' ledgers with a merge (absorbed -> survivor) or its undo (back). Each side has
// its event, so each points stream explains its own balance; the two carry the same lots, orders and deficit.

/// <summary>
/// A lot as it moves, with its issuing restaurant, expiry and what is left of it. <see cref="Origins"/> lists the merges
/// that brought it to its current holder, latest last: an undo sends back exactly the lots whose latest origin it is.
/// </summary>
public sealed record MovedLot(string LotId, string IssuedBy, string? OrderId, long Points, long Remaining,
    DateTimeOffset EarnedAt, DateTimeOffset SpendableFrom, DateOnly ExpiresOn, decimal PointValue, IReadOnlyList<string> Origins);

/// <summary>What an order did to the ledger, moving with its guest so a later void finds it.</summary>
public sealed record MovedOrder(string RestaurantId, string OrderId, decimal? Amount, long Earned, string? LotId,
    decimal VoidedAmount, long TakenBack, IReadOnlyList<LotPoints> Redeemed, long Restored, int Voids, IReadOnlyList<string> Origins);

/// <summary>Lots, orders and owed points arriving from <see cref="FromGuestId"/>.</summary>
public sealed record PointsMovedIn(string GuestId, string FromGuestId, string MergeId, IReadOnlyList<MovedLot> Lots,
    IReadOnlyList<MovedOrder> Orders, long Deficit, DateTimeOffset At);

/// <summary>Lots, orders and owed points leaving for <see cref="ToGuestId"/>.</summary>
public sealed record PointsMovedOut(string GuestId, string ToGuestId, string MergeId, IReadOnlyList<string> LotIds,
    IReadOnlyList<OrderRef> Orders, long Deficit, DateTimeOffset At);

public sealed record OrderRef(string RestaurantId, string OrderId);
