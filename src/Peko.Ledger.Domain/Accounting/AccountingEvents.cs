namespace Peko.Ledger.Domain.Accounting;

// Events of the accounting stream (kind "accounting", id "accounting-{chainId}"): how a chain settles points between
// its restaurants, and which months are closed. Closing is an event, so a rebuild from the log books every late event
// into exactly the month it was booked into live.

/// <summary>
/// The chain's settlement policy ("issuer-pays" or "reserve") and, optionally, the share of issued points it expects
/// guests to redeem, for estimated breakage.
/// </summary>
public sealed record AccountingSettingsChanged(string ChainId, string SettlementPolicy, decimal? ExpectedRedemptionRate,
    DateTimeOffset ChangedAt);

/// <summary>
/// <see cref="Month"/> (yyyy-MM, in the chain's time zone) and every month before it are closed: their reports are
/// frozen, and later events dated inside them are booked into the first open month as prior-period adjustments.
/// </summary>
public sealed record MonthClosed(string ChainId, string Month, DateTimeOffset ClosedAt);
