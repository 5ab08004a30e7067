namespace Peko.Ledger.Domain.Chains;

/// <summary>An ISO 4217 currency and how many decimal places its amounts may have (VND none, SEK two).</summary>
public sealed record Currency(string Code, int MinorUnits)
{
    static readonly Dictionary<string, int> Known = new(StringComparer.Ordinal)
    {
        ["VND"] = 0, ["JPY"] = 0, ["KRW"] = 0, ["IDR"] = 2, ["SEK"] = 2, ["NOK"] = 2, ["DKK"] = 2, ["EUR"] = 2,
        ["USD"] = 2, ["GBP"] = 2, ["CHF"] = 2, ["SGD"] = 2, ["THB"] = 2, ["MYR"] = 2, ["PHP"] = 2, ["AUD"] = 2,
        ["CAD"] = 2, ["NZD"] = 2, ["CNY"] = 2, ["HKD"] = 2, ["TWD"] = 2, ["INR"] = 2, ["KHR"] = 2, ["LAK"] = 2,
    };

    /// <summary>The largest order amount accepted, in any currency; anything above is a typo or an attack.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    public static Currency Parse(string? code, string field = "currency") =>
        code is not null && Known.TryGetValue(code, out var minor)
            ? new Currency(code, minor)
            : throw new InvalidInput(field, $"'{code}' is not a supported ISO 4217 currency code (e.g. VND, SEK, EUR).");

    public bool HasValidPrecision(decimal amount) => decimal.Round(amount, MinorUnits) == amount;

    /// <summary>Rounds a computed amount (a discount, a point's value) to what the currency can express.</summary>
    public decimal Round(decimal amount) => decimal.Round(amount, MinorUnits, MidpointRounding.AwayFromZero);

    /// <summary>Rounded, and written with exactly the currency's decimal places (12.5 SEK becomes 12.50).</summary>
    public decimal Fixed(decimal amount) => Round(amount) + new decimal(0, 0, 0, false, (byte)MinorUnits);

    /// <summary>Checks an order amount: positive, not absurd, no more decimals than the currency has.</summary>
    public decimal ValidAmount(decimal amount, string field = "amount")
    {
        if (amount <= 0) throw new InvalidInput(field, "The amount must be greater than zero.");
        if (amount > MaxAmount) throw new InvalidInput(field, $"The amount is above the limit of {MaxAmount:N0}.");
        if (!HasValidPrecision(amount))
            throw new InvalidInput(field, $"{Code} amounts have {MinorUnits} decimal places at most.");
        return amount;
    }
}
