namespace Peko.Ledger.Domain.Chains;

/// <summary>A chain (tenant) as its events leave it.</summary>
public sealed record Chain(
    string Id, string Name, Currency Currency, TimeZoneInfo TimeZone, string DefaultPhoneRegion,
    Programme Programme, int ProgrammeVersion, IReadOnlyDictionary<string, Restaurant> Restaurants)
{
    public static string StreamId(string chainId) => $"chain-{chainId}";

    /// <summary>The calendar date at <paramref name="instant"/> in the chain's time zone.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);

    public Restaurant RestaurantOrThrow(string? restaurantId, string field = "restaurantId") =>
        restaurantId is not null && Restaurants.TryGetValue(restaurantId, out var r)
            ? r
            : throw new InvalidInput(field, $"Restaurant '{restaurantId}' is not part of this chain.");

    public static Chain From(IEnumerable<object> events)
    {
        Chain? chain = null;
        foreach (var e in events) chain = Evolve(chain, e);
        return chain ?? throw new InvalidOperationException("A chain stream starts with ChainCreated.");
    }

    public static Chain Evolve(Chain? chain, object e) => (chain, e) switch
    {
        (null, ChainCreated c) => new Chain(c.ChainId, c.Name, Currency.Parse(c.Currency), TimeZoneInfo.FindSystemTimeZoneById(c.TimeZone),
            c.DefaultPhoneRegion, c.Programme, 1, new Dictionary<string, Restaurant>(StringComparer.Ordinal)),
        ({ } s, ProgrammeChanged p) => s with { Programme = p.Programme, ProgrammeVersion = p.Version },
        ({ } s, RestaurantAdded r) => s with
        {
            Restaurants = new Dictionary<string, Restaurant>(s.Restaurants) { [r.RestaurantId] = new(r.RestaurantId, r.Name, r.Pos) },
        },
        ({ } s, _) => s,
        (null, _) => throw new InvalidOperationException("A chain stream starts with ChainCreated."),
    };
}

public sealed record Restaurant(string Id, string Name, string Pos);
