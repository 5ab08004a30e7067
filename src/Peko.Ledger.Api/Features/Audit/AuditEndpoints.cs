using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.Domain;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Api.Features.Audit;

/// <summary>Auditors' reads: a guest as of an instant, a chain's verify, and its NDJSON export (auditor, admin).</summary>
public static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        var chain = app.MapGroup("/v1/chains/{chainId}").WithTags("Audit").WithMetadata(new AuditedRead());
        chain.MapGet("/guests/{guestId}/as-of", AsOf)
            .WithSummary("A guest's balance, pending points, tier, open lots and window spend at an instant, replayed from its events.");
        chain.MapGet("/audit/verify", Verify)
            .WithSummary("Recompute the chain's hash chains and checkpoints; name every event changed behind the ledger's back.");
        chain.MapGet("/audit/replay", Replay)
            .WithSummary("Rebuild every projection of the chain from its events into shadow tables and compare them with the live ones, row by row. With Accept: application/x-ndjson, progress lines come first.");
        chain.MapGet("/audit/export", Export)
            .WithSummary("The chain's events in log order with metadata and hashes, as NDJSON (docs/audit.md).");
    }

    static readonly Role[] Auditors = [Role.Admin, Role.Auditor];

    static async Task<Ok<AsOfResponse>> AsOf(string chainId, string guestId, string? at, Caller caller, GuestAsOf guests,
        CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Auditors);
        return TypedResults.Ok(await guests.AtAsync(chainId, guestId, Instant("at", at) ?? throw new InvalidInput("at",
            "at is required: an ISO 8601 instant with its offset, e.g. 2027-03-01T00:00:00Z."), ct));
    }

    static async Task<Ok<VerifyResponse>> Verify(string chainId, Caller caller, LedgerVerifier verifier, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Auditors);
        var report = await verifier.VerifyAsync(chainId, seal: true, ct);
        return TypedResults.Ok(new VerifyResponse(report.Clean, report.Streams, report.Events, report.CheckpointsChecked,
            report.CheckpointsSealed,
            [.. report.Findings.Select(f => new FindingResponse(AuditExport.Name(f.Kind), f.StreamId, f.Version, f.Seq, f.Detail))]));
    }

    static Task Replay(string chainId, Caller caller, ReplayVerifier replay, HttpContext http, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Auditors);
        return NdjsonProgress.RunAsync(http, async progress =>
        {
            var report = await replay.VerifyAsync(chainId, progress, ct);
            return new ReplayResponse(report.Clean, report.EventsReplayed, report.Differences,
                [.. report.Tables.Select(t => new ReplayTableResponse(t.Table, t.LiveRows, t.Differences, t.First))]);
        }, ct);
    }

    static IResult Export(string chainId, string? from, string? to, Caller caller, AuditExport export)
    {
        caller.EnsureChain(chainId);
        caller.Require(Auditors);
        var (start, end) = (Instant("from", from), Instant("to", to));
        if (start >= end) throw new InvalidInput("to", "to must be after from.");
        return export.For(chainId, start, end);
    }

    static DateTimeOffset? Instant(string field, string? value) =>
        value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime()
        : throw new InvalidInput(field, $"{field} must be an ISO 8601 instant, e.g. 2027-03-01T00:00:00Z.");
}

/// <summary>Marks the routes whose every read is recorded, whoever makes it.</summary>
public sealed class AuditedRead;
