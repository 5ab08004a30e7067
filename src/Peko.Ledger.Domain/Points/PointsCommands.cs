namespace Peko.Ledger.Domain.Points;

// Commands carry the server's time (Now) and the POS's time (OccurredAt); the domain never reads a clock.

public sealed record EarnPoints(string GuestId, string LotId, string RestaurantId, string OrderId, decimal Amount,
    DateTimeOffset OccurredAt, DateTimeOffset Now);

public sealed record RedeemPoints(string GuestId, string RestaurantId, string OrderId, long Points,
    DateTimeOffset OccurredAt, DateTimeOffset Now);

/// <summary>Void or refund an order; <see cref="Amount"/> null voids whatever is left of it.</summary>
public sealed record VoidOrder(string GuestId, string RestaurantId, string OrderId, string VoidId, decimal? Amount,
    DateTimeOffset OccurredAt, DateTimeOffset Now);

public sealed record AdjustPoints(string GuestId, string AdjustmentId, string LotId, string RestaurantId, long Points,
    string Reason, DateTimeOffset Now);
