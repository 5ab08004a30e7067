namespace Peko.Ledger.Domain.Membership;

// Events of the membership stream (kind "membership", id "membership-{guestId}"): spend counted toward tiers, and
// the tier itself.

public sealed record SpendRecorded(string GuestId, string RestaurantId, string OrderId, decimal Amount, DateTimeOffset OccurredAt);

/// <summary>A void or refund took <see cref="Amount"/> off an order's counted spend.</summary>
public sealed record SpendReversed(string GuestId, string RestaurantId, string OrderId, decimal Amount, DateTimeOffset OccurredAt);

/// <summary>The tier moved (up or down) after a recompute; applies from the next order.</summary>
public sealed record TierChanged(string GuestId, string From, string To, decimal WindowSpend, DateOnly AsOf);
