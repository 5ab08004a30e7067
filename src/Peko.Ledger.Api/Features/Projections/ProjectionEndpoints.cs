using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.Api.Features.Projections;

/// <summary>The projections, and rebuilding one from zero (platform admin: they span every chain).</summary>
public static class ProjectionEndpoints
{
    public static void MapProjections(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/projections").WithTags("Projections");
        group.MapGet("", List).WithSummary("Every projection: inline or async, and how far behind the log an async one is.");
        group.MapPost("/{name}/rebuild", Rebuild)
            .WithSummary("Rebuild a projection from zero. Inline ones are rebuilt together, with appends held off until done. With Accept: application/x-ndjson, progress lines come first.");
    }

    static async Task<Ok<IReadOnlyList<ProjectionResponse>>> List(Caller caller, LedgerStoreOptions options,
        NpgsqlDataSource dataSource, CancellationToken ct)
    {
        caller.Require(Role.PlatformAdmin);
        var list = new List<ProjectionResponse>();
        list.AddRange(options.InlineProjections.Select(p => new ProjectionResponse(p.Name, "inline", p.Tables, null)));
        foreach (var projection in options.AsyncProjections)
        {
            // Events after its checkpoint: what a rebuild or a catch-up has still to apply.
            await using var command = dataSource.CreateCommand("""
                select count(*) from ledger.events e
                where (e.tx_id, e.seq) > coalesce((select (c.tx_id, c.seq) from ledger.projection_checkpoints c where c.name = $1), ('0'::xid8, 0::bigint))
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            list.Add(new ProjectionResponse(projection.Name, "async", projection.Tables, (long)(await command.ExecuteScalarAsync(ct))!));
        }
        return TypedResults.Ok<IReadOnlyList<ProjectionResponse>>(list);
    }

    static Task Rebuild(string name, Caller caller, LedgerStoreOptions options, ProjectionDaemon daemon,
        InlineRebuild inline, HttpContext http, CancellationToken ct)
    {
        caller.Require(Role.PlatformAdmin);
        var isInline = options.InlineProjections.Any(p => p.Name == name);
        if (!isInline && options.AsyncProjections.All(p => p.Name != name))
            throw new NotFoundException("projection-not-found",
                $"No projection is named '{name}'. Known: {string.Join(", ", options.InlineProjections.Concat(options.AsyncProjections).Select(p => p.Name))}.");
        return NdjsonProgress.RunAsync(http, async progress =>
        {
            var clock = Stopwatch.StartNew();
            var events = isInline ? await inline.RebuildAsync(progress, ct) : await daemon.RebuildAsync(name, ct);
            return new RebuildResponse(isInline ? inline.Names : [name], events, Math.Round(clock.Elapsed.TotalSeconds, 3));
        }, ct);
    }
}

/// <summary>A projection; <c>eventsBehind</c> only for async ones.</summary>
public sealed record ProjectionResponse(string Name, string Kind, IReadOnlyCollection<string> Tables, long? EventsBehind);

/// <summary>What a rebuild did: the projections rebuilt (all inline ones together), the events replayed, its time.</summary>
public sealed record RebuildResponse(IReadOnlyList<string> Projections, long EventsReplayed, double Seconds);
