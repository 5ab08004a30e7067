using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Domain.Accounting;

/// <summary>A chain's accounting settings and closed months, folded from its accounting stream.</summary>
public sealed record AccountingBooks(string SettlementPolicy, decimal? ExpectedRedemptionRate, AccountingMonth? ClosedThrough)
{
    public const string IssuerPays = "issuer-pays";
    public const string Reserve = "reserve";

    public static AccountingBooks Initial { get; } = new(IssuerPays, null, null);

    public static string StreamId(string chainId) => $"accounting-{chainId}";

    public static AccountingBooks From(IEnumerable<object> events) => events.Aggregate(Initial, Evolve);

    public static AccountingBooks Evolve(AccountingBooks books, object e) => e switch
    {
        AccountingSettingsChanged s => books with { SettlementPolicy = s.SettlementPolicy, ExpectedRedemptionRate = s.ExpectedRedemptionRate },
        MonthClosed m => books with { ClosedThrough = AccountingMonth.Parse(m.Month) },
        _ => books,
    };

    public bool IsClosed(AccountingMonth month) => ClosedThrough is { } closed && month <= closed;
}

/// <summary>The accountant's commands: pure rules, events out.</summary>
public static class AccountingDecider
{
    /// <summary>
    /// Closes <paramref name="month"/>, once it has ended in the chain's time zone. The first close may be any ended
    /// month and closes every month before it too (a chain's history can start before the chain joined Peko Ledger);
    /// after that, months close one after another.
    /// </summary>
    public static MonthClosed Close(AccountingBooks books, Chain chain, AccountingMonth month, DateTimeOffset now)
    {
        if (books.IsClosed(month))
            throw new LedgerRuleViolation("month-already-closed", $"{month} is already closed.");
        if (books.ClosedThrough is { } closed && month != closed.Next)
            throw new LedgerRuleViolation("close-months-in-order", $"Close {closed.Next} first: months close one after another.");
        if (month.Next.StartIn(chain.TimeZone) > now)
            throw new LedgerRuleViolation("month-not-ended", $"{month} has not ended yet in {chain.TimeZone.Id}.");
        return new MonthClosed(chain.Id, month.ToString(), now);
    }

    public static AccountingSettingsChanged ChangeSettings(Chain chain, string? policy, decimal? expectedRedemptionRate,
        DateTimeOffset now)
    {
        var normalised = policy?.Trim().ToLowerInvariant();
        if (normalised is not (AccountingBooks.IssuerPays or AccountingBooks.Reserve))
            throw new InvalidInput("settlementPolicy", "settlementPolicy is \"issuer-pays\" or \"reserve\".");
        if (expectedRedemptionRate is { } rate && (rate <= 0 || rate > 1))
            throw new InvalidInput("expectedRedemptionRate",
                "expectedRedemptionRate is the share of issued points expected to be redeemed: more than 0, at most 1 (e.g. 0.8).");
        return new AccountingSettingsChanged(chain.Id, normalised, expectedRedemptionRate, now);
    }
}
