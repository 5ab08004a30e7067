namespace Peko.Ledger.Domain.Guests;

/// <summary>
/// Phone numbers to E.164 ("+" then at most 15 digits). The same guest must come out as the same string whichever POS
/// typed the number and however, so every accepted spelling is reduced to country code + national significant number.
/// Error messages never repeat the number: they end up in logs.
/// </summary>
internal static class PhoneNumbers
{
    /// <param name="TrunkZero">National format starts with a trunk "0" that is not part of the number.</param>
    /// <param name="ExitCode">The country's own international prefix where it is not "00".</param>
    /// <param name="Rewrite">Maps an outdated national number to its current form before checking.</param>
    /// <param name="Check">A problem with the national number, or null; on top of the length range.</param>
    private sealed record Country(string Code, int MinLength, int MaxLength, bool TrunkZero = true,
        string? ExitCode = null, Func<string, string>? Rewrite = null, Func<string, string?>? Check = null);

    private static readonly Country Nanp = new("1", 10, 10, TrunkZero: false, ExitCode: "011", Check: NanpProblem);

    // Length ranges are of the national significant number (after the country code, without trunk 0).
    private static readonly Dictionary<string, Country> Regions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["VN"] = new("84", 9, 10, Rewrite: RenumberVietnameseMobile, Check: VietnameseProblem),
        ["SE"] = new("46", 7, 9, Check: SwedishProblem),
        ["US"] = Nanp,
        ["CA"] = Nanp,
        ["GB"] = new("44", 9, 10),
        ["SG"] = new("65", 8, 8, TrunkZero: false),
        ["TH"] = new("66", 8, 9),
        ["AU"] = new("61", 9, 9, ExitCode: "0011"),
        ["DE"] = new("49", 6, 13),
        ["FR"] = new("33", 9, 9),
        ["JP"] = new("81", 9, 10, ExitCode: "010"),
        ["KR"] = new("82", 8, 10),
        ["ID"] = new("62", 8, 12),
        ["MY"] = new("60", 8, 10),
        ["PH"] = new("63", 8, 10),
    };

    // Calling codes are prefix-free, so at most one of these starts any international number.
    private static readonly Country[] ByCode = [.. Regions.Values.Distinct()];

    // The 2018 renumbering of 11-digit Vietnamese mobiles (Ministry of Information and Communications plan):
    // old 01xx prefixes became 0xx, the 7 digits after the prefix stay. Guests still give their old numbers.
    private static readonly Dictionary<string, string> VietnameseRenumbering = new()
    {
        ["162"] = "32", ["163"] = "33", ["164"] = "34", ["165"] = "35", ["166"] = "36", ["167"] = "37", // Viettel
        ["168"] = "38", ["169"] = "39",
        ["120"] = "70", ["121"] = "79", ["122"] = "77", ["126"] = "76", ["128"] = "78", // MobiFone
        ["123"] = "83", ["124"] = "84", ["125"] = "85", ["127"] = "81", ["129"] = "82", // VinaPhone
        ["186"] = "56", ["188"] = "58", // Vietnamobile
        ["199"] = "59", // Gmobile
    };

    /// <summary>What is wrong with <paramref name="raw"/>, or null and its E.164 form.</summary>
    public static string? Normalise(string? raw, string? defaultRegion, out string? e164)
    {
        e164 = null;
        var problem = Digits(raw, out var digits, out var plus);
        if (problem is not null) return problem;
        var region = Regions.GetValueOrDefault(defaultRegion?.Trim() ?? "");
        if (plus) return International(digits, out e164);
        if (region?.ExitCode is { } exit && digits.StartsWith(exit, StringComparison.Ordinal))
            return International(digits[exit.Length..], out e164);
        if (digits.StartsWith("00", StringComparison.Ordinal)) return International(digits[2..], out e164);
        if (region is null)
            return $"no phone rules for region '{defaultRegion}': write the number with + and the country code";
        return National(digits, region, out e164);
    }

    /// <summary>The country code of an E.164 number when it is one we know, for masking.</summary>
    public static string? CountryCodeOf(string e164) =>
        ByCode.FirstOrDefault(c => e164.StartsWith("+" + c.Code, StringComparison.Ordinal))?.Code;

    private static string? Digits(string? raw, out string digits, out bool plus)
    {
        digits = "";
        plus = false;
        if (string.IsNullOrWhiteSpace(raw)) return "phone number is empty";
        var kept = new System.Text.StringBuilder(raw.Length);
        foreach (var c in raw)
        {
            if (char.IsAsciiDigit(c)) kept.Append(c);
            else if (c == '+' && kept.Length == 0 && !plus) plus = true;
            else if (char.IsLetter(c)) return "phone number contains letters";
            else if (c == '+') return "phone number has a + that is not at the start";
            else if (!char.IsWhiteSpace(c) && c is not ('-' or '.' or '(' or ')'))
                return $"phone number contains '{c}': only digits, spaces, dashes, dots, parentheses and a leading +";
        }
        digits = kept.ToString();
        return digits.Length == 0 ? "phone number has no digits" : null;
    }

    private static string? International(string digits, out string? e164)
    {
        e164 = null;
        var country = ByCode.FirstOrDefault(c => digits.StartsWith(c.Code, StringComparison.Ordinal));
        if (country is not null)
        {
            var nsn = digits[country.Code.Length..];
            // "+44 (0)20 …" and "+84 0903 …": a trunk 0 written after the country code is not part of the number.
            if (country.TrunkZero && nsn.StartsWith('0')) nsn = nsn[1..];
            return Complete(country, nsn, out e164);
        }
        if (digits.StartsWith('0')) return "after + or 00 comes a country code, which cannot start with 0";
        if (digits.Length is < 8 or > 15)
            return $"an international number has 8 to 15 digits with the country code; this one has {digits.Length}";
        e164 = "+" + digits;
        return null;
    }

    private static string? National(string digits, Country region, out string? e164)
    {
        if (region.TrunkZero && digits.StartsWith('0')) return Complete(region, digits[1..], out e164);
        // "84903123482": the country code typed without "+"; only taken as such when the rest is a valid number.
        if (digits.StartsWith(region.Code, StringComparison.Ordinal)
            && Complete(region, digits[region.Code.Length..], out e164) is null) return null;
        // Otherwise a national number with the trunk 0 left off (or a country without one, like the US).
        return Complete(region, digits, out e164);
    }

    private static string? Complete(Country country, string nsn, out string? e164)
    {
        e164 = null;
        nsn = country.Rewrite?.Invoke(nsn) ?? nsn;
        var problem = nsn.StartsWith('0') ? "the number after the country code cannot start with 0"
            : nsn.Length < country.MinLength || nsn.Length > country.MaxLength ? LengthProblem(country, nsn)
            : country.Check?.Invoke(nsn);
        if (problem is not null) return $"not a valid +{country.Code} phone number: {problem}";
        e164 = $"+{country.Code}{nsn}";
        return null;
    }

    private static string LengthProblem(Country country, string nsn)
    {
        var range = country.MinLength == country.MaxLength
            ? $"{country.MinLength}"
            : $"{country.MinLength} to {country.MaxLength}";
        var expected = country.TrunkZero ? $"{range} digits after the trunk 0 or country code" : $"{range} digits";
        var verdict = nsn.Length < country.MinLength ? "too short" : "too long";
        return $"{verdict}, expected {expected} but found {nsn.Length}";
    }

    private static string RenumberVietnameseMobile(string nsn) =>
        nsn.Length == 10 && VietnameseRenumbering.TryGetValue(nsn[..3], out var current) ? current + nsn[3..] : nsn;

    private static string? VietnameseProblem(string nsn) => nsn[0] switch
    {
        '3' or '5' or '7' or '8' or '9' when nsn.Length != 9 =>
            $"Vietnamese mobile numbers have 9 digits after the 0, this one has {nsn.Length}",
        '3' or '5' or '7' or '8' or '9' or '2' => null, // 2x: landlines with their area code, 9 or 10 digits
        '1' when nsn.Length == 10 => $"0{nsn[..3]} is an old 11-digit mobile prefix outside the 2018 renumbering",
        _ => "Vietnamese numbers start with 02 (landline), 03, 05, 07, 08 or 09 (mobile)",
    };

    private static string? SwedishProblem(string nsn) =>
        nsn[0] == '7' && nsn.Length != 9
            ? $"Swedish mobile numbers (07x) have 9 digits after the 0, this one has {nsn.Length}"
            : null;

    // North American numbering plan: area code and exchange code both start with 2-9.
    private static string? NanpProblem(string nsn) =>
        nsn[0] < '2' || nsn[3] < '2' ? "area code and exchange must not start with 0 or 1" : null;
}
