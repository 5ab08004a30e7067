using System.Text.RegularExpressions;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>Whether slashed dates put the day first (20/11/2026: Vietnam, Europe) or the month (11/20/2026: the US).</summary>
public enum DateOrder { DayFirst, MonthFirst }

/// <summary>
/// Dates as POS exports write them: <c>20/11/2026</c>, <c>20-11-2026</c>, <c>20.11.2026</c>, <c>2026-11-20</c>,
/// <c>2026/11/20</c>, each optionally with a time (<c>20/11/2026 14:30</c>, <c>2026-11-20T14:30:00+07:00</c>); the
/// time is dropped. Two-digit years and impossible dates are refused, not guessed.
/// </summary>
public static partial class SourceDates
{
    const string Time = @"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2})?)?";

    [GeneratedRegex(@"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + Time + "$")]
    private static partial Regex YearFirst();

    [GeneratedRegex(@"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})" + Time + "$")]
    private static partial Regex YearLast();

    public static string? Parse(string raw, DateOrder order, out DateOnly date)
    {
        date = default;
        var s = raw.Trim();
        int year, month, day;
        if (YearFirst().Match(s) is { Success: true } iso)
            (year, month, day) = (Number(iso, 1), Number(iso, 2), Number(iso, 3));
        else if (YearLast().Match(s) is { Success: true } slashed)
        {
            if (slashed.Groups[3].Length == 2) return $"'{s}': write the year with four digits";
            var (first, second) = (Number(slashed, 1), Number(slashed, 2));
            (year, month, day) = order == DateOrder.DayFirst ? (Number(slashed, 3), second, first) : (Number(slashed, 3), first, second);
        }
        else return $"'{Shown(s)}' is not a date (expected {Expected(order)} or yyyy-mm-dd)";

        if (year is < 1900 or > 2200 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return $"'{Shown(s)}' is not a date (expected {Expected(order)} or yyyy-mm-dd)";
        date = new DateOnly(year, month, day);
        return null;
    }

    static int Number(Match m, int group) => int.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);

    static string Expected(DateOrder order) => order == DateOrder.DayFirst ? "dd/mm/yyyy" : "mm/dd/yyyy";

    static string Shown(string raw) => raw.Length <= 30 ? raw : raw[..30] + "…";
}
