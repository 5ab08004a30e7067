namespace Peko.Ledger.Api.Features.Counter;

/// <summary>How a till names the guest in front of it; at least one identifier.</summary>
public sealed record GuestRef(string? Phone, string? Email, string? ZaloId, string? PosCustomerId, string? Name);

public sealed record EarnRequest(string? RestaurantId, string? OrderId, decimal? Amount, DateTimeOffset? OccurredAt, GuestRef? Guest);

public sealed record EarnResponse(string GuestId, long PointsEarned, long Balance, long PendingPoints, string Tier,
    DateOnly LotExpiresOn);

public sealed record RedeemRequest(string? RestaurantId, string? OrderId, long? Points, string? GuestId, GuestRef? Guest,
    DateTimeOffset? OccurredAt);

public sealed record RedeemResponse(string GuestId, long PointsRedeemed, decimal Discount, long Balance);

public sealed record VoidRequest(decimal? Amount, DateTimeOffset? OccurredAt);

public sealed record VoidResponse(string GuestId, string RestaurantId, string OrderId, decimal AmountVoided,
    long PointsTakenBack, long PointsRestored, long Shortfall, long Balance);

public sealed record AdjustRequest(long? Points, string? Reason, string? RestaurantId);

public sealed record AdjustResponse(string GuestId, string AdjustmentId, long Points, long Balance);
