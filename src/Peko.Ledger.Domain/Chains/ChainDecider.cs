using System.Text.RegularExpressions;

namespace Peko.Ledger.Domain.Chains;

public sealed record CreateChain(string? ChainId, string? Name, string? Currency, string? TimeZone,
    string? DefaultPhoneRegion, Programme? Programme, DateTimeOffset Now);

/// <summary>Decisions about the chain itself: creating it, changing its programme, adding restaurants.</summary>
public static partial class ChainDecider
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,39}$")]
    private static partial Regex Slug();

    public static ChainCreated Create(CreateChain c)
    {
        var id = RequireSlug(c.ChainId, "chainId");
        var name = RequireText(c.Name, "name", 200);
        var currency = Currency.Parse(c.Currency);
        if (string.IsNullOrWhiteSpace(c.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(c.TimeZone, out _))
            throw new InvalidInput("timeZone", $"'{c.TimeZone}' is not an IANA time zone (e.g. Asia/Ho_Chi_Minh).");
        var region = c.DefaultPhoneRegion?.Trim().ToUpperInvariant();
        if (region is null || region.Length != 2 || !region.All(char.IsAsciiLetterUpper))
            throw new InvalidInput("defaultPhoneRegion", "Give a two-letter country code such as VN or SE.");
        var programme = (c.Programme ?? throw new InvalidInput("program", "The programme is required.")).Validated(currency);
        return new ChainCreated(id, name, currency.Code, c.TimeZone, region, programme, c.Now);
    }

    public static ProgrammeChanged ChangeProgramme(Chain chain, Programme? programme, DateTimeOffset now) =>
        new(chain.Id, chain.ProgrammeVersion + 1,
            (programme ?? throw new InvalidInput("program", "The programme is required.")).Validated(chain.Currency, "program"),
            now);

    public static RestaurantAdded AddRestaurant(Chain chain, string? restaurantId, string? name, string? pos, DateTimeOffset now)
    {
        var id = RequireSlug(restaurantId, "restaurantId");
        if (chain.Restaurants.ContainsKey(id))
            throw new LedgerRuleViolation("restaurant-exists", $"Restaurant '{id}' already exists in this chain.");
        return new RestaurantAdded(chain.Id, id, RequireText(name, "name", 200), RequireText(pos, "pos", 50), now);
    }

    static string RequireSlug(string? value, string field) =>
        value is not null && Slug().IsMatch(value)
            ? value
            : throw new InvalidInput(field, $"{field} must be 2-40 characters of a-z, 0-9 and '-', starting with a letter or digit.");

    static string RequireText(string? value, string field, int max) =>
        !string.IsNullOrWhiteSpace(value) && value.Trim().Length <= max
            ? value.Trim()
            : throw new InvalidInput(field, $"{field} is required ({max} characters at most).");
}
