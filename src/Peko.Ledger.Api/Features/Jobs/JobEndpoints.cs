using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;

namespace Peko.Ledger.Api.Features.Jobs;

public sealed record RunJobRequest(DateOnly? AsOf);

public static class JobEndpoints
{
    public static void MapJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v1/chains/{chainId}/jobs").WithTags("Jobs");
        jobs.MapGet("/", List).WithSummary("Recent job runs: started, finished, counts, error.");
        jobs.MapPost("/expire-points", (string chainId, RunJobRequest? body, Caller caller, JobRuns runs, CancellationToken ct) =>
            Run(chainId, JobRuns.ExpirePoints, body, caller, runs, ct)).WithSummary("Expire due points now (optionally as of a past date).");
        jobs.MapPost("/recompute-tiers", (string chainId, RunJobRequest? body, Caller caller, JobRuns runs, CancellationToken ct) =>
            Run(chainId, JobRuns.RecomputeTiers, body, caller, runs, ct)).WithSummary("Recompute tiers now (optionally as of a past date).");
        jobs.MapPost("/seal-log", (string chainId, Caller caller, JobRuns runs, CancellationToken ct) =>
            Run(chainId, JobRuns.SealLog, null, caller, runs, ct)).WithSummary("Verify the chain's log now and, if clean, seal its new checkpoints.");
    }

    static async Task<Ok<JobRun>> Run(string chainId, string job, RunJobRequest? body, Caller caller, JobRuns runs, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        return TypedResults.Ok(await runs.RunAsync(chainId, job, body?.AsOf, $"manual:{caller.KeyId}", ct));
    }

    static async Task<Ok<IReadOnlyList<JobRun>>> List(string chainId, int? limit, Caller caller, JobRuns runs, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Accountant, Role.Auditor);
        if (limit is < 1 or > 500) throw new InvalidInput("limit", "limit is 1 to 500.");
        return TypedResults.Ok(await runs.ListAsync(chainId, limit ?? 50, ct));
    }
}
