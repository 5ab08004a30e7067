using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// What a replay into empty accounting tables knows of them because it wrote them (<see cref="RowKeys.Remembered{T}"/>):
/// each chain's time zone and last closed month (<c>accounting_chains</c>), each lot's issuer and point value
/// (<c>accounting_lots</c>, the first record wins). With them the replay books its entries in memory, by the rule
/// <see cref="AccountingEntrySql"/> books them in SQL, and copies them in like any other new rows, instead of sending
/// each page's movements to be looked up, dated and booked by the server; and a void's shortfall is valued without
/// reading its order's lot back. A chain or a lot it does not know is not in the tables either.
/// <para>
/// It holds only while no statement wrote the lots behind the replay's back (<see cref="RowKeys.Knows"/>: then the
/// SQL books as before). The accounting projection writes <c>accounting_chains</c> by its own statements and tells
/// this what each did, after queueing it.
/// </para>
/// </summary>
sealed class AccountingFacts
{
    sealed class Chain(TimeZoneInfo? zone)
    {
        public TimeZoneInfo? Zone { get; } = zone; // null: a zone .NET does not know; the SQL books this chain's entries
        public DateOnly? ClosedThrough { get; set; }
    }

    /// <summary>What a replay into empty tables has recorded, to keep up to date; null outside one.</summary>
    public static AccountingFacts? Recorded(RowKeys? keys) => keys?.Remembered<AccountingFacts>();

    /// <summary>The facts, when they still describe the tables (no statement wrote the lots behind them); else null.</summary>
    public static AccountingFacts? Trusted(RowKeys? keys) => keys is { } k && k.Knows("accounting_lots") ? Recorded(k) : null;

    readonly Dictionary<string, Chain> _chains = new(StringComparer.Ordinal);
    readonly Dictionary<string, (string IssuedBy, decimal PointValue)> _lots = new(StringComparer.Ordinal);
    readonly Dictionary<(string ChainId, string IssuedBy, string OrderId), decimal> _orderLots = [];
    readonly Dictionary<(string Zone, DateOnly Day), DateTimeOffset> _midnights = [];

    /// <summary><c>insert into accounting_chains … on conflict do nothing</c>.</summary>
    public void ChainCreated(string chainId, string timeZone) =>
        _chains.TryAdd(chainId, new Chain(TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? zone : null));

    /// <summary><c>update accounting_chains set closed_through = month</c>.</summary>
    public void MonthClosed(string chainId, DateOnly month)
    {
        if (_chains.TryGetValue(chainId, out var chain)) chain.ClosedThrough = month;
    }

    /// <summary><c>insert into accounting_lots … on conflict do nothing</c>.</summary>
    public void LotIssued(string chainId, LotIssued lot)
    {
        if (!_lots.TryAdd(lot.LotId, (lot.IssuedBy, lot.PointValue))) return;
        if (lot.OrderId is not null) _orderLots.TryAdd((chainId, lot.IssuedBy, lot.OrderId), lot.PointValue);
    }

    /// <summary>The point value of the order's lot issued by <paramref name="restaurantId"/> (0 when there is none, as in SQL).</summary>
    public decimal OrderLotValue(string chainId, string restaurantId, string orderId) =>
        _orderLots.GetValueOrDefault((chainId, restaurantId, orderId));

    /// <summary>
    /// Whether every chain of <paramref name="chainIds"/> can be booked in memory: unknown chains book nothing (the
    /// SQL's join drops them too), chains in a zone .NET cannot read are left to the SQL.
    /// </summary>
    public bool CanBook(IEnumerable<string> chainIds) =>
        chainIds.All(id => !_chains.TryGetValue(id, out var chain) || chain.Zone is not null);

    /// <summary>
    /// A movement booked as <see cref="AccountingEntrySql"/>'s <c>LotMovements</c> books it; null when its chain is
    /// unknown (no row, as the SQL's join gives none).
    /// </summary>
    public AccountingEntry? Book(string chainId, long seq, DateTimeOffset? occurredAt, DateOnly? localDate, LotMovement movement)
    {
        if (!_chains.TryGetValue(chainId, out var chain)) return null;
        var zone = chain.Zone!;
        var (issuedBy, pointValue) = _lots.TryGetValue(movement.LotId, out var lot) ? lot : (movement.IssuedBy, 0m);
        var at = occurredAt?.ToUniversalTime() ?? Midnight(zone, localDate!.Value);
        var day = ZoneTime.Date(at, zone);
        var belongsTo = new DateOnly(day.Year, day.Month, 1);
        var bookedIn = chain.ClosedThrough is { } closed && closed.AddMonths(1) > belongsTo ? closed.AddMonths(1) : belongsTo;
        return new AccountingEntry(chainId, seq, movement.Kind, issuedBy, movement.Redeemer, movement.LotId, movement.Points,
            movement.Points * pointValue, at, belongsTo, bookedIn, bookedIn > belongsTo ? Midnight(zone, bookedIn) : at);
    }

    /// <summary>The instant a day begins in the zone (few distinct days: remembered).</summary>
    DateTimeOffset Midnight(TimeZoneInfo zone, DateOnly day)
    {
        if (_midnights.TryGetValue((zone.Id, day), out var instant)) return instant;
        return _midnights[(zone.Id, day)] = ZoneTime.Instant(day.ToDateTime(TimeOnly.MinValue), zone).ToUniversalTime();
    }
}

/// <summary>A row of <c>ledger.accounting_entries</c>, booked.</summary>
sealed record AccountingEntry(string ChainId, long Seq, string Kind, string IssuedBy, string? Redeemer, string LotId,
    long Points, decimal Value, DateTimeOffset OccurredAt, DateOnly BelongsTo, DateOnly BookedIn, DateTimeOffset EffectiveAt);
