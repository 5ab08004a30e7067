using System.Diagnostics.CodeAnalysis;

namespace Peko.Ledger.Domain.Guests;

/// <summary>
/// Stored by number in <see cref="GuestIdentifierLinked"/> (and read so by the guest read model's SQL): never renumber
/// or reorder; a new kind takes the next number.
/// </summary>
public enum IdentifierKind { Phone = 0, Email = 1, Zalo = 2, PosCustomer = 3 }

/// <summary>
/// One way a restaurant's POS knows a guest. <see cref="Value"/> is canonical, so two POSes that typed the same phone
/// number or email differently produce equal identifiers and match the same guest. Build it with the factories: the
/// constructor takes a value as already normalised (as read back from storage) and checks nothing.
/// </summary>
/// <param name="Value">Phone: E.164. Email: lower case. Zalo: as given. PosCustomer: "&lt;scope&gt;:&lt;id&gt;", the
/// scope being the restaurant or POS account that issued the id, since POS customer ids are only unique there.</param>
public sealed record GuestIdentifier(IdentifierKind Kind, string Value)
{
    private const int MaxEmailLength = 254; // RFC 5321 path limit
    private const int MaxIdLength = 100;

    public static GuestIdentifier Phone(string raw, string defaultRegion) =>
        TryPhone(raw, defaultRegion, out var id, out var error) ? id : throw new InvalidInput("phone", error);

    public static GuestIdentifier Email(string raw) =>
        TryEmail(raw, out var id, out var error) ? id : throw new InvalidInput("email", error);

    public static GuestIdentifier Zalo(string raw) =>
        TryZalo(raw, out var id, out var error) ? id : throw new InvalidInput("zaloId", error);

    public static GuestIdentifier PosCustomer(string scope, string raw) =>
        TryPosCustomer(scope, raw, out var id, out var error) ? id : throw new InvalidInput("posCustomerId", error);

    /// <param name="defaultRegion">The chain's ISO 3166 alpha-2 region, for numbers without a country code.</param>
    public static bool TryPhone(string raw, string defaultRegion,
        [NotNullWhen(true)] out GuestIdentifier? id, [NotNullWhen(false)] out string? error) =>
        Outcome(IdentifierKind.Phone, PhoneNumbers.Normalise(raw, defaultRegion, out var e164), e164,
            out id, out error);

    public static bool TryEmail(string raw,
        [NotNullWhen(true)] out GuestIdentifier? id, [NotNullWhen(false)] out string? error)
    {
        // Lower-cased whole: guests capitalise their address at random and no mail provider we meet treats the local
        // part as case-sensitive, so "Lan@X.com" and "lan@x.com" are one guest.
        var email = raw?.Trim().ToLowerInvariant() ?? "";
        return Outcome(IdentifierKind.Email, EmailProblem(email), email, out id, out error);
    }

    public static bool TryZalo(string raw,
        [NotNullWhen(true)] out GuestIdentifier? id, [NotNullWhen(false)] out string? error)
    {
        var zalo = raw?.Trim() ?? "";
        var problem = zalo.Length == 0 ? "Zalo id is empty"
            : zalo.Length > MaxIdLength ? $"Zalo id is longer than {MaxIdLength} characters"
            : zalo.Any(char.IsWhiteSpace) ? "Zalo id contains spaces"
            : null;
        return Outcome(IdentifierKind.Zalo, problem, zalo, out id, out error);
    }

    /// <param name="scope">The restaurant id or POS account that issued the customer id.</param>
    public static bool TryPosCustomer(string scope, string raw,
        [NotNullWhen(true)] out GuestIdentifier? id, [NotNullWhen(false)] out string? error)
    {
        var trimmedScope = scope?.Trim() ?? "";
        var customer = raw?.Trim() ?? "";
        var problem = trimmedScope.Length == 0 ? "POS customer id needs a scope (the restaurant or POS account)"
            : trimmedScope.Contains(':', StringComparison.Ordinal) ? "POS customer scope cannot contain ':'"
            : customer.Length == 0 ? "POS customer id is empty"
            : customer.Length > MaxIdLength ? $"POS customer id is longer than {MaxIdLength} characters"
            : null;
        return Outcome(IdentifierKind.PosCustomer, problem, $"{trimmedScope}:{customer}", out id, out error);
    }

    /// <summary>For counter staff and logs: enough to recognise a guest, never the whole value.</summary>
    public string Masked => Kind switch
    {
        IdentifierKind.Phone => MaskPhone(Value),
        IdentifierKind.Email => MaskEmail(Value),
        IdentifierKind.Zalo => Shown(Value, 2, fromEnd: false) + "***",
        IdentifierKind.PosCustomer => MaskPosCustomer(Value),
        _ => "***",
    };

    /// <summary>The mask, so an identifier interpolated into a log line or message does not leak the value.</summary>
    public override string ToString() => Masked;

    private static bool Outcome(IdentifierKind kind, string? problem, string? value,
        [NotNullWhen(true)] out GuestIdentifier? id, [NotNullWhen(false)] out string? error)
    {
        id = problem is null && value is not null ? new GuestIdentifier(kind, value) : null;
        error = id is null ? problem ?? "not a valid identifier" : null;
        return id is not null;
    }

    private static string? EmailProblem(string email)
    {
        if (email.Length == 0) return "email address is empty";
        if (email.Length > MaxEmailLength) return $"email address is longer than {MaxEmailLength} characters";
        if (email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return "email address contains spaces";
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || at != email.LastIndexOf('@')) return "email address must contain exactly one @";
        if (at == 0) return "email address has nothing before the @";
        var domain = email[(at + 1)..].Split('.');
        return domain.Length < 2 || domain.Any(label => label.Length == 0)
            ? "email address needs a domain like example.com after the @"
            : null;
    }

    private static string MaskPhone(string e164)
    {
        var code = PhoneNumbers.CountryCodeOf(e164);
        var prefix = code is null ? "+" : $"+{code} ";
        return $"{prefix}*** *** {Shown(e164[(prefix.Length - 1)..], 3, fromEnd: true)}".TrimEnd();
    }

    private static string MaskEmail(string email)
    {
        var at = email.LastIndexOf('@');
        return at < 0 ? "***" : $"{Shown(email[..at], 1, fromEnd: false)}***{email[at..]}";
    }

    private static string MaskPosCustomer(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "***" : $"{value[..(colon + 1)]}***{Shown(value[(colon + 1)..], 2, fromEnd: true)}";
    }

    // Shows `count` characters only when at least as many stay hidden, so a short value is never given away whole.
    private static string Shown(string value, int count, bool fromEnd) =>
        value.Length < 2 * count ? "" : fromEnd ? value[^count..] : value[..count];
}
