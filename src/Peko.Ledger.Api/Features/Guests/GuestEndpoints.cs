using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Api.Features.Guests;

public static class GuestEndpoints
{
    public static void MapGuests(this IEndpointRouteBuilder app)
    {
        var chain = app.MapGroup("/v1/chains/{chainId}").WithTags("Guests");
        chain.MapGet("/lookup", Lookup).RunOnSocketThreads().WithSummary("Find the guest in front of the till by phone, email, zaloId or posCustomerId (with restaurantId).");
        chain.MapGet("/guests", List).WithSummary("Guests who visited a restaurant, a page at a time.");
        chain.MapGet("/guests/{guestId}", Get).RunOnSocketThreads().WithSummary("A guest: identifiers, balance, pending points, tier, window spend, open lots.");
        chain.MapGet("/guests/{guestId}/history", History).WithSummary("Every event of the guest, in order, with metadata (auditor, admin).");
    }

    static async Task<Ok<LookupResponse>> Lookup(string chainId, string? phone, string? email, string? zaloId,
        string? posCustomerId, string? restaurantId, Caller caller, ChainDirectory chains, GuestQueries guests,
        Counter.CounterService counter, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Manager, Role.Counter);
        var chain = await chains.GetAsync(chainId, caller, ct);
        LookupResponse? found;
        if ((phone, email, zaloId, posCustomerId) is (null, null, null, null))
            throw new InvalidInput("query", "Look up by phone, email, zaloId and/or posCustomerId.");
        if (new[] { phone, email, zaloId, posCustomerId }.Count(v => v is not null) == 1)
        {
            GuestIdentifier id = (phone, email, zaloId, posCustomerId) switch
            {
                ({ } p, _, _, _) => GuestIdentifier.Phone(p, chain.DefaultPhoneRegion),
                (_, { } e, _, _) => GuestIdentifier.Email(e),
                (_, _, { } z, _) => GuestIdentifier.Zalo(z),
                (_, _, _, { } c) => PosCustomer(chain, caller, restaurantId, c),
                _ => throw new InvalidInput("query", "Look up by phone, email, zaloId and/or posCustomerId."),
            };
            found = await guests.LookupAsync(chain, id, ct);
        }
        else
        {
            // Several identifiers may name several guests: resolving them merges those into one (docs/identity.md).
            if (posCustomerId is not null) PosCustomer(chain, caller, restaurantId, posCustomerId);
            var guestId = await counter.ResolveForLookupAsync(chainId, new Counter.GuestRef(phone, email, zaloId, posCustomerId, null),
                restaurantId, caller, ct);
            found = guestId is null ? null : await guests.LookupAsync(chain, guestId, ct);
        }
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
        var active = await guests.FollowAsync(chainId, guestId, ct)
                     ?? throw new NotFoundException("guest-not-found", "No such guest.");
        // A manager sees only guests who visited their restaurant; others are "not found", not "forbidden".
        if (caller.Role == Role.Manager && !await guests.VisitedAsync(chainId, active, caller.RestaurantId!, ct))
            throw new NotFoundException("guest-not-found", "No such guest.");
        var guest = await guests.GetAsync(await chains.GetAsync(chainId, caller, ct), active, unmasked: caller.IsAdmin, ct)
                    ?? throw new NotFoundException("guest-not-found", "No such guest.");
        return TypedResults.Ok(active == guestId ? guest : guest with { MergedFrom = guestId });
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
        _ = await guests.GetAsync(await chains.GetAsync(chainId, caller, ct), guestId, unmasked: false, ct)
            ?? throw new NotFoundException("guest-not-found", "No such guest.");
        return TypedResults.Ok(await guests.HistoryAsync(guestId, unmasked: caller.IsAdmin, ct));
    }
}
