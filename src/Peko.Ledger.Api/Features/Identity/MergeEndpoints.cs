using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Features.Identity;

public static class MergeEndpoints
{
    public static void MapIdentity(this IEndpointRouteBuilder app)
    {
        var guests = app.MapGroup("/v1/chains/{chainId}/guests/{guestId}").WithTags("Identity");
        guests.MapPost("/merges", Merge).WithSummary("Merge another guest into this one (chain admin).");
        guests.MapPost("/merges/{mergeId}/undo", Undo).WithSummary("Undo a merge exactly (chain admin).");
    }

    static async Task<Created<MergeResponse>> Merge(string chainId, string guestId, MergeRequest body, Caller caller,
        MergeService merges, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        var merged = await merges.MergeAsync(chainId, guestId, body, caller, ct);
        return TypedResults.Created($"/v1/chains/{chainId}/guests/{guestId}/merges/{merged.MergeId}", merged);
    }

    static async Task<Ok<MergeResponse>> Undo(string chainId, string guestId, string mergeId, UndoMergeRequest body,
        Caller caller, MergeService merges, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        return TypedResults.Ok(await merges.UndoAsync(chainId, guestId, mergeId, body, caller, ct));
    }
}
