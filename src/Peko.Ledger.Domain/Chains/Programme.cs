namespace Peko.Ledger.Domain.Chains;

/// <summary>A tier of the programme: reached with <see cref="MinSpend"/> in the tier window; multiplies earned points.</summary>
public sealed record Tier(string Name, decimal MinSpend, decimal EarnMultiplier);

/// <summary>
/// A chain's loyalty programme. Versioned by events: a change applies to events after it and never re-dates old ones
/// (every earn records the programme version it used).
/// </summary>
public sealed record Programme(
    decimal SpendPerPoint,
    decimal PointValue,
    int PointsExpireAfterMonths,
    int PointsPendingDays,
    int TierWindowMonths,
    IReadOnlyList<Tier> Tiers)
{
    public static Programme Default { get; } = new(10_000m, 1_000m, 24, 0, 12,
        [new("Bronze", 0m, 1.0m), new("Silver", 5_000_000m, 1.25m), new("Gold", 12_500_000m, 1.5m)]);

    /// <summary>The highest tier whose threshold the spend reaches.</summary>
    public Tier TierFor(decimal windowSpend) => Tiers.Last(t => t.MinSpend <= windowSpend);

    /// <summary>The tier of that name, or the base (lowest) tier when the programme no longer has it.</summary>
    public Tier TierNamed(string? name) => Tiers.FirstOrDefault(t => t.Name == name) ?? Tiers[0];

    /// <summary>Throws <see cref="InvalidInput"/> naming the first wrong field; returns the programme with tiers sorted.</summary>
    public Programme Validated(Currency currency, string prefix = "program")
    {
        Require(SpendPerPoint > 0 && SpendPerPoint <= Currency.MaxAmount, $"{prefix}.spendPerPoint", "must be greater than zero.");
        Require(PointValue >= 0 && PointValue <= Currency.MaxAmount && currency.HasValidPrecision(PointValue),
            $"{prefix}.pointValue", $"must be zero or more, with at most {currency.MinorUnits} decimal places.");
        Require(PointsExpireAfterMonths is >= 1 and <= 240, $"{prefix}.pointsExpireAfterMonths", "must be 1 to 240.");
        Require(PointsPendingDays is >= 0 and <= 365, $"{prefix}.pointsPendingDays", "must be 0 to 365.");
        Require(TierWindowMonths is >= 1 and <= 60, $"{prefix}.tierWindowMonths", "must be 1 to 60.");
        Require(Tiers is { Count: > 0 and <= 20 }, $"{prefix}.tiers", "must list 1 to 20 tiers.");
        var sorted = Tiers.OrderBy(t => t.MinSpend).ToList();
        for (var i = 0; i < sorted.Count; i++)
        {
            var tier = sorted[i];
            var field = $"{prefix}.tiers[{i}]";
            Require(!string.IsNullOrWhiteSpace(tier.Name) && tier.Name.Length <= 50, $"{field}.name", "is required (50 characters at most).");
            Require(tier.EarnMultiplier is > 0 and <= 100, $"{field}.earnMultiplier", "must be greater than 0 and at most 100.");
            Require(tier.MinSpend >= 0, $"{field}.minSpend", "must be zero or more.");
        }
        Require(sorted[0].MinSpend == 0, $"{prefix}.tiers", "the lowest tier must start at a minSpend of 0.");
        Require(sorted.Select(t => t.MinSpend).Distinct().Count() == sorted.Count, $"{prefix}.tiers", "two tiers share a minSpend.");
        Require(sorted.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == sorted.Count,
            $"{prefix}.tiers", "two tiers share a name.");
        return this with { Tiers = sorted };
    }

    static void Require(bool condition, string field, string message)
    {
        if (!condition) throw new InvalidInput(field, $"{field} {message}");
    }
}
