using System.Globalization;

namespace Peko.Ledger.Domain.Accounting;

/// <summary>A calendar month of the chain's time zone, written yyyy-MM.</summary>
public readonly record struct AccountingMonth(int Year, int Month) : IComparable<AccountingMonth>
{
    public static AccountingMonth Parse(string? text, string field = "month") =>
        DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            ? Of(first)
            : throw new InvalidInput(field, $"{field} is a month written yyyy-MM, e.g. 2026-03.");

    public static AccountingMonth Of(DateOnly date) => new(date.Year, date.Month);

    /// <summary>The month <paramref name="instant"/> falls in, in <paramref name="zone"/>.</summary>
    public static AccountingMonth Of(DateTimeOffset instant, TimeZoneInfo zone) =>
        Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime));

    public DateOnly FirstDay => new(Year, Month, 1);
    public AccountingMonth Next => Of(FirstDay.AddMonths(1));
    public AccountingMonth Previous => Of(FirstDay.AddMonths(-1));

    /// <summary>The instant the month begins in <paramref name="zone"/>.</summary>
    public DateTimeOffset StartIn(TimeZoneInfo zone)
    {
        var local = FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    public int CompareTo(AccountingMonth other) => FirstDay.CompareTo(other.FirstDay);
    public static bool operator <(AccountingMonth a, AccountingMonth b) => a.CompareTo(b) < 0;
    public static bool operator >(AccountingMonth a, AccountingMonth b) => a.CompareTo(b) > 0;
    public static bool operator <=(AccountingMonth a, AccountingMonth b) => a.CompareTo(b) <= 0;
    public static bool operator >=(AccountingMonth a, AccountingMonth b) => a.CompareTo(b) >= 0;

    public override string ToString() => FirstDay.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
