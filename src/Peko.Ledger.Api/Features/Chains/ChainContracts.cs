using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Api.Features.Chains;

public sealed record ProgrammeBody(decimal? SpendPerPoint, decimal? PointValue, int? PointsExpireAfterMonths,
    int? PointsPendingDays, int? TierWindowMonths, IReadOnlyList<TierBody>? Tiers)
{
    public Programme ToProgramme() => new(
        SpendPerPoint ?? 0, PointValue ?? -1, PointsExpireAfterMonths ?? 24, PointsPendingDays ?? 0, TierWindowMonths ?? 12,
        Tiers?.Select(t => new Tier(t.Name ?? "", t.MinSpend ?? -1, t.EarnMultiplier ?? 0)).ToList() ?? []);
}

public sealed record TierBody(string? Name, decimal? MinSpend, decimal? EarnMultiplier);

public sealed record CreateChainRequest(string? ChainId, string? Name, string? Currency, string? TimeZone,
    string? DefaultPhoneRegion, ProgrammeBody? Program);

public sealed record ChainResponse(string ChainId, string Name, string Currency, string TimeZone, string DefaultPhoneRegion,
    int ProgramVersion, Programme Program, IReadOnlyList<RestaurantResponse> Restaurants)
{
    public static ChainResponse From(Chain c) => new(c.Id, c.Name, c.Currency.Code, c.TimeZone.Id, c.DefaultPhoneRegion,
        c.ProgrammeVersion, c.Programme, c.Restaurants.Values.OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new RestaurantResponse(r.Id, r.Name, r.Pos)).ToList());
}

public sealed record AddRestaurantRequest(string? RestaurantId, string? Name, string? Pos);

public sealed record RestaurantResponse(string RestaurantId, string Name, string Pos);

public sealed record IssueKeyRequest(string? Role, string? RestaurantId, string? Label);

/// <summary>The secret <see cref="Key"/> is shown once, in this response, and never again.</summary>
public sealed record IssuedKeyResponse(string KeyId, string Key, string Role, string? RestaurantId, string Label);
