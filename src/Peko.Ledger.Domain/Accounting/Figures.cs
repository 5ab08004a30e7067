using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Domain.Accounting;

/// <summary>Points and their value in the chain's currency (each point valued at its lot's point value).</summary>
public sealed record Figures(long Points, decimal Value)
{
    public static Figures Zero { get; } = new(0, 0m);

    public static Figures operator +(Figures a, Figures b) => new(a.Points + b.Points, a.Value + b.Value);
    public static Figures operator -(Figures a, Figures b) => new(a.Points - b.Points, a.Value - b.Value);
    public static Figures operator -(Figures a) => new(-a.Points, -a.Value);

    public static Figures Sum(IEnumerable<Figures> figures) => figures.Aggregate(Zero, (a, b) => a + b);

    /// <summary>The value written with exactly the currency's decimal places (1000 VND, 12.50 SEK).</summary>
    public Figures In(Currency currency) => this with { Value = currency.Fixed(Value) };
}

/// <summary>The sum of one kind of movement of one issuer's points (and, for redemptions, one redeeming restaurant).</summary>
public sealed record MovementTotal(string Kind, string IssuedBy, string? Redeemer, long Points, decimal Value)
{
    public Figures Figures => new(Points, Value);
    public Figures LiabilityChange => MovementKind.LiabilityChange(Kind, 1) > 0 ? Figures : -Figures;
}

/// <summary>A movement dated inside a closed month, booked into a later one: a prior-period adjustment.</summary>
public sealed record PriorPeriodTotal(string BelongsTo, string Kind, string IssuedBy, string? Redeemer, long Points, decimal Value);

/// <summary>What a report is about: the chain, the month, whether it is closed, and the chain's settings for it.</summary>
public sealed record ReportHeader(string ChainId, string Month, string Currency, string TimeZone, string Status,
    DateTimeOffset? ClosedAt, string SettlementPolicy, decimal? ExpectedRedemptionRate);

/// <summary>
/// The movements a month's reports are built from: those booked before the month (<see cref="Before"/>), in it
/// (<see cref="InMonth"/>), and those of the month that belong to closed months (<see cref="PriorPeriod"/>, included
/// in <see cref="InMonth"/> too).
/// </summary>
public sealed record MonthMovements(IReadOnlyList<MovementTotal> Before, IReadOnlyList<MovementTotal> InMonth,
    IReadOnlyList<PriorPeriodTotal> PriorPeriod);
