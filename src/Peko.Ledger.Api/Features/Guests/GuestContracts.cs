namespace Peko.Ledger.Api.Features.Guests;

public sealed record LastVisit(string RestaurantId, string? RestaurantName, DateTimeOffset At);

/// <summary>What a till shows: "returning VIP, top 5% spender, last visit Đông Du". No phone or email in it.</summary>
public sealed record LookupResponse(string GuestId, string? DisplayName, string Tier, long Balance, long PendingPoints,
    decimal PointValue, LastVisit? LastVisit, int SpendPercentile, bool Vip);

public sealed record IdentifierResponse(string Kind, string Value);

public sealed record LotResponse(string LotId, string RestaurantId, long Points, long Remaining, DateTimeOffset EarnedAt,
    DateTimeOffset SpendableFrom, DateOnly ExpiresOn);

public sealed record GuestResponse(string GuestId, string? DisplayName, DateTimeOffset CreatedAt,
    IReadOnlyList<IdentifierResponse> Identifiers, long Balance, long PendingPoints, string Tier, decimal WindowSpend,
    int TierWindowMonths, LastVisit? LastVisit, IReadOnlyList<LotResponse> OpenLots)
{
    /// <summary>The id that was asked for, when it was merged into this guest (it keeps resolving here).</summary>
    public string? MergedFrom { get; init; }
}

public sealed record GuestListItem(string GuestId, string? DisplayName, DateTimeOffset? LastVisitAt);

public sealed record GuestPage(IReadOnlyList<GuestListItem> Items, string? NextCursor);

public sealed record HistoryEntry(long Seq, string Stream, long Version, string Type, object Data, DateTimeOffset RecordedAt,
    string? Actor, string? RestaurantId, string? IdempotencyKey, string? CorrelationId);
