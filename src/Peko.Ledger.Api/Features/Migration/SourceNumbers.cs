using System.Globalization;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Numbers as POS exports write them: <c>1.250.000</c> (Vietnamese thousands dots), <c>1,250,000</c>, <c>1 250 000</c>,
/// <c>1250000</c>, decimals with either mark (<c>1.250,50</c>, <c>1,250.50</c>, <c>12,5</c>), currency marks around
/// them (<c>1.250.000 ₫</c>, <c>$12.50</c>, <c>120 kr</c>) and negatives as <c>-12</c> or <c>(12)</c>. A lone mark
/// followed by exactly three digits is a thousands separator (<c>1.250</c> is 1250), as every export we know writes
/// its amounts; anything that fits no reading is refused, never guessed.
/// </summary>
public static class SourceNumbers
{
    static readonly char[] Spaces = [' ', '\u00A0', '\u202F', '\'', '\u2019'];

    /// <summary>Null and the value, or what is wrong with <paramref name="raw"/>.</summary>
    public static string? Parse(string raw, out decimal value)
    {
        value = 0;
        var s = raw.Trim();
        var negative = s.StartsWith('(') && s.EndsWith(')');
        if (negative) s = s[1..^1];
        s = StripMarks(s);
        if (s.StartsWith('-') || s.StartsWith('\u2212')) (negative, s) = (!negative, StripMarks(s[1..]));
        else if (s.EndsWith('-')) (negative, s) = (!negative, StripMarks(s[..^1]));
        foreach (var space in Spaces) s = s.Replace(space.ToString(), "", StringComparison.Ordinal);
        if (s.Length == 0 || !s.All(c => char.IsAsciiDigit(c) || c is '.' or ','))
            return $"'{Shown(raw)}' is not a number";

        var (integer, fraction) = Split(s);
        if (integer is null) return $"'{Shown(raw)}' is not a number";
        var text = fraction is null ? integer : $"{integer}.{fraction}";
        if (text.Length > 28 || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
            return $"'{Shown(raw)}' is not a number";
        if (negative) value = -value;
        return null;
    }

    /// <summary>The digits before and after the decimal mark, the thousands separators checked and removed.</summary>
    static (string? Integer, string? Fraction) Split(string s)
    {
        var (dots, commas) = (s.Count(c => c == '.'), s.Count(c => c == ','));
        char? group = null, mark = null;
        if (dots > 0 && commas > 0)
            (mark, group) = s.LastIndexOf('.') > s.LastIndexOf(',') ? ('.', ',') : (',', '.');
        else if (dots + commas == 1)
        {
            var sep = dots == 1 ? '.' : ',';
            var at = s.IndexOf(sep, StringComparison.Ordinal);
            var thousands = s.Length - at - 1 == 3 && at > 0 && s[0] != '0';
            (mark, group) = thousands ? ((char?)null, (char?)sep) : (sep, null);
        }
        else if (dots + commas > 1) group = dots > 0 ? '.' : ',';

        var integer = s;
        string? fraction = null;
        if (mark is { } m)
        {
            var at = s.LastIndexOf(m);
            if (s.IndexOf(m) != at) return (null, null);
            (integer, fraction) = (s[..at], s[(at + 1)..]);
            if (fraction.Length == 0) return (null, null);
            if (integer.Length == 0) integer = "0";
        }
        if (group is { } g)
        {
            var groups = integer.Split(g);
            if (groups[0].Length is 0 or > 3 || groups.Skip(1).Any(x => x.Length != 3)) return (null, null);
            integer = string.Concat(groups);
        }
        return integer.All(char.IsAsciiDigit) && (fraction?.All(char.IsAsciiDigit) ?? true) ? (integer, fraction) : (null, null);
    }

    /// <summary>Currency symbols and words around a number: ₫, đ, VND, $, kr, SEK …</summary>
    static string StripMarks(string s)
    {
        static bool IsMark(char c) => char.IsLetter(c) || char.IsWhiteSpace(c) ||
                                      CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.CurrencySymbol;
        var start = 0;
        var end = s.Length;
        while (start < end && IsMark(s[start])) start++;
        while (end > start && IsMark(s[end - 1])) end--;
        return s[start..end];
    }

    static string Shown(string raw) => raw.Length <= 30 ? raw.Trim() : raw[..30] + "…";
}
