using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Api.Features.Guests;

public static class GuestEndpoints
{
    public static void MapGuests(this IEndpointRouteBuilder app)
    {
        var chain = app.MapGroup("/v1/chains/{chainId}").WithTags("Guests");
        chain.MapGet("/lookup", Lookup).WithSummary("Find the guest in front of the till by phone, email, zaloId or posCustomerId (with restaurantId).");
        chain.MapGet("/guests", List).WithSummary("Guests who visited a restaurant, a page at a time.");
        chain.MapGet("/guests/{guestId}", Get).WithSummary("A guest: identifiers, balance, pending points, tier, window spend, open lots.");
        chain.MapGet("/guests/{guestId}/history", History).WithSummary("Every event of the guest, in order, with metadata (auditor, admin).");
    }

    static async Task<Ok<LookupResponse>> Lookup(string chainId, string? phone, string? email, string? zaloId,
        string? posCustomerId, string? restaurantId, Caller caller, ChainDirectory chains, GuestQueries guests,
        CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Manager, Role.Counter);
        var chain = await chains.GetAsync(chainId, ct);
        GuestIdentifier id = (phone, email, zaloId, posCustomerId) switch
        {
            ({ } p, null, null, null) => GuestIdentifier.Phone(p, chain.DefaultPhoneRegion),
            (null, { } e, null, null) => GuestIdentifier.Email(e),
            (null, null, { } z, null) => GuestIdentifier.Zalo(z),
            (null, null, null, { } c) => PosCustomer(chain, caller, restaurantId, c),
            _ => throw new InvalidInput("query", "Look up by exactly one of phone, email, zaloId or posCustomerId."),
        };
        var guestId = await guests.FindAsync(chainId, id, ct);
        var found = guestId is null ? null : await guests.LookupAsync(chain, guestId, ct);
        return TypedResults.Ok(found ?? throw new NotFoundException("guest-not-found", "No guest holds this identifier."));
    }

    /// <summary>A POS customer id is scoped to its restaurant; a till or manager looks up its own restaurant's only.</summary>
    static GuestIdentifier PosCustomer(Chain chain, Caller caller, string? restaurantId, string customerId)
    {
        var restaurant = chain.RestaurantOrThrow(restaurantId ?? caller.RestaurantId).Id;
        caller.RequireRestaurant(restaurant);
        return GuestIdentifier.PosCustomer(restaurant, customerId);
    }

    static async Task<Ok<GuestResponse>> Get(string chainId, string guestId, Caller caller, ChainDirectory chains,
        GuestQueries guests, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Manager, Role.Auditor);
        // A manager sees only guests who visited their restaurant; others are "not found", not "forbidden".
        if (caller.Role == Role.Manager && !await guests.VisitedAsync(chainId, guestId, caller.RestaurantId!, ct))
            throw new NotFoundException("guest-not-found", "No such guest.");
        var guest = await guests.GetAsync(await chains.GetAsync(chainId, ct), guestId, unmasked: caller.IsAdmin, ct);
        return TypedResults.Ok(guest ?? throw new NotFoundException("guest-not-found", "No such guest."));
    }

    static async Task<Ok<GuestPage>> List(string chainId, string? restaurantId, string? cursor, int? limit, Caller caller,
        GuestQueries guests, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Manager, Role.Auditor);
        if (caller.Role == Role.Manager)
        {
            restaurantId ??= caller.RestaurantId;
            caller.RequireRestaurant(restaurantId!);
        }
        if (limit is < 1 or > 500) throw new InvalidInput("limit", "limit is 1 to 500.");
        return TypedResults.Ok(await guests.ListAsync(chainId, restaurantId, cursor, limit ?? 100, ct));
    }

    static async Task<Ok<IReadOnlyList<HistoryEntry>>> History(string chainId, string guestId, Caller caller,
        GuestQueries guests, ChainDirectory chains, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Auditor);
        _ = await guests.GetAsync(await chains.GetAsync(chainId, ct), guestId, unmasked: false, ct)
            ?? throw new NotFoundException("guest-not-found", "No such guest.");
        return TypedResults.Ok(await guests.HistoryAsync(guestId, unmasked: caller.IsAdmin, ct));
    }
}
