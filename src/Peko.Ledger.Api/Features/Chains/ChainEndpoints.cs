using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Features.Chains;

public static class ChainEndpoints
{
    public static void MapChains(this IEndpointRouteBuilder app)
    {
        var chains = app.MapGroup("/v1/chains").WithTags("Chains");
        chains.MapPost("/", Create).WithSummary("Create a chain with its programme (platform admin).");
        chains.MapGet("/{chainId}", Get).WithSummary("The chain's settings, programme and restaurants.");
        chains.MapPut("/{chainId}/program", ChangeProgramme).WithSummary("Change the programme; applies to later events only (chain admin).");
        chains.MapPost("/{chainId}/restaurants", AddRestaurant).WithSummary("Add a restaurant (chain admin).");
        chains.MapPost("/{chainId}/api-keys", IssueKey).WithSummary("Issue an API key; the secret is shown once (chain admin).");
        chains.MapDelete("/{chainId}/api-keys/{keyId}", RevokeKey).WithSummary("Revoke an API key at once (chain admin).");
    }

    static async Task<Created<ChainResponse>> Create(CreateChainRequest body, Caller caller, ChainAdministration admin,
        CancellationToken ct)
    {
        caller.Require(Role.PlatformAdmin);
        var chain = await admin.CreateAsync(body, caller, ct);
        return TypedResults.Created($"/v1/chains/{chain.Id}", ChainResponse.From(chain));
    }

    static async Task<Ok<ChainResponse>> Get(string chainId, Caller caller, ChainDirectory chains, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        return TypedResults.Ok(ChainResponse.From(await chains.GetAsync(chainId, ct)));
    }

    static async Task<Ok<ChainResponse>> ChangeProgramme(string chainId, ProgrammeBody body, Caller caller,
        ChainAdministration admin, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        return TypedResults.Ok(ChainResponse.From(await admin.ChangeProgrammeAsync(chainId, body, caller, ct)));
    }

    static async Task<Created<RestaurantResponse>> AddRestaurant(string chainId, AddRestaurantRequest body, Caller caller,
        ChainAdministration admin, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        var chain = await admin.AddRestaurantAsync(chainId, body, caller, ct);
        var added = chain.Restaurants[body.RestaurantId!];
        return TypedResults.Created($"/v1/chains/{chainId}/restaurants/{added.Id}",
            new RestaurantResponse(added.Id, added.Name, added.Pos));
    }

    static async Task<Created<IssuedKeyResponse>> IssueKey(string chainId, IssueKeyRequest body, Caller caller,
        ChainAdministration admin, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        var issued = await admin.IssueKeyAsync(chainId, body, caller, ct);
        return TypedResults.Created($"/v1/chains/{chainId}/api-keys/{issued.KeyId}", issued);
    }

    static async Task<NoContent> RevokeKey(string chainId, string keyId, Caller caller, ChainAdministration admin,
        CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        await admin.RevokeKeyAsync(chainId, keyId, caller, ct);
        return TypedResults.NoContent();
    }
}
