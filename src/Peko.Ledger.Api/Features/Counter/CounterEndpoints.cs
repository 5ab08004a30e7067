using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Hosting;

namespace Peko.Ledger.Api.Features.Counter;

public static class CounterEndpoints
{
    public static void MapCounter(this IEndpointRouteBuilder app)
    {
        var chain = app.MapGroup("/v1/chains/{chainId}").WithTags("Counter");
        chain.MapPost("/earn", Earn).RunOnSocketThreads().WithSummary("Earn points for an order; (restaurantId, orderId) makes retries safe.");
        chain.MapPost("/redeem", Redeem).RunOnSocketThreads().WithSummary("Redeem spendable points on an order; never overdraws.");
        chain.MapPost("/orders/{restaurantId}/{orderId}/void", Void).RunOnSocketThreads()
            .WithSummary("Void or refund an order (omit amount for the whole order); a second refund of one order needs an Idempotency-Key.");
        chain.MapPost("/guests/{guestId}/adjustments", Adjust).RunOnSocketThreads()
            .WithSummary("Adjust a guest's points with a reason (manager, admin); Idempotency-Key header required.");
    }

    static readonly Role[] CounterRoles = [Role.Admin, Role.Manager, Role.Counter];

    static async Task<Results<Created<EarnResponse>, Ok<EarnResponse>>> Earn(string chainId, EarnRequest body, Caller caller,
        CounterService counter, HttpContext http, CancellationToken ct)
    {
        Authorize(caller, chainId, CounterRoles);
        return Respond(http, await counter.EarnAsync(chainId, body, caller, ct));
    }

    static async Task<Results<Created<RedeemResponse>, Ok<RedeemResponse>>> Redeem(string chainId, RedeemRequest body,
        Caller caller, CounterService counter, HttpContext http, CancellationToken ct)
    {
        Authorize(caller, chainId, CounterRoles);
        return Respond(http, await counter.RedeemAsync(chainId, body, caller, ct));
    }

    static async Task<Ok<VoidResponse>> Void(string chainId, string restaurantId, string orderId, VoidRequest? body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, Caller caller, CounterService counter,
        HttpContext http, CancellationToken ct)
    {
        Authorize(caller, chainId, CounterRoles);
        var result = await counter.VoidAsync(chainId, restaurantId, orderId, body ?? new VoidRequest(null, null),
            idempotencyKey, caller, ct);
        if (result.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(result.Response);
    }

    static async Task<Results<Created<AdjustResponse>, Ok<AdjustResponse>>> Adjust(string chainId, string guestId,
        AdjustRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, Caller caller,
        CounterService counter, HttpContext http, CancellationToken ct)
    {
        Authorize(caller, chainId, [Role.Admin, Role.Manager]);
        return Respond(http, await counter.AdjustAsync(chainId, guestId, body, idempotencyKey, caller, ct));
    }

    static void Authorize(Caller caller, string chainId, Role[] roles)
    {
        caller.EnsureChain(chainId);
        caller.Require(roles);
    }

    /// <summary>201 the first time; the stored first response, 200 and <c>Idempotent-Replayed: true</c> on a retry.</summary>
    static Results<Created<T>, Ok<T>> Respond<T>(HttpContext http, Idempotent<T> result)
    {
        if (!result.Replayed) return TypedResults.Created((string?)null, result.Response);
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(result.Response);
    }
}
