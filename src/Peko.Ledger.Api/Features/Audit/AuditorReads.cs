using Npgsql;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Features.Audit;

/// <summary>
/// Records every request an auditor key makes, and every read of an audit route by anyone: who (key id and role),
/// which chain, which route and the guest it named, how it ended. Into <c>ledger.audit_reads</c> and the log. Never the
/// query string or a body: lookups carry phone numbers and emails there.
/// </summary>
public sealed class AuditorReads(NpgsqlDataSource dataSource, TimeProvider time, ILogger<AuditorReads> log)
{
    /// <summary>Records the request; <paramref name="failure"/> is what it threw (the problem handler outside maps it).</summary>
    public async Task RecordAsync(HttpContext context, Exception? failure = null)
    {
        if (context.Features.Get<Caller>() is not { } caller) return;
        var endpoint = context.GetEndpoint() as RouteEndpoint;
        if (caller.Role != Role.Auditor && endpoint?.Metadata.GetMetadata<AuditedRead>() is null) return;

        var action = $"{context.Request.Method} {endpoint?.RoutePattern.RawText ?? "(no route)"}";
        var chainId = context.Request.RouteValues["chainId"] as string;
        var target = context.Request.RouteValues["guestId"] as string;
        var status = failure switch
        {
            null => context.Response.StatusCode,
            ForbiddenException => StatusCodes.Status403Forbidden,
            NotFoundException => StatusCodes.Status404NotFound,
            Domain.InvalidInput or BadHttpRequestException => StatusCodes.Status400BadRequest,
            OperationCanceledException => 499, // the client went away (an export cut short)
            _ => StatusCodes.Status500InternalServerError,
        };
        log.LogInformation("Audit read by {KeyId} ({Role}) on chain {ChainId}: {Action} {Target} -> {Status}",
            caller.KeyId, Caller.RoleName(caller.Role), chainId, action, target, status);
        try
        {
            await using var insert = dataSource.CreateCommand("""
                insert into ledger.audit_reads (at, key_id, role, chain_id, action, target, status)
                values ($1, $2, $3, $4, $5, $6, $7)
                """);
            foreach (var value in new object?[] { time.GetUtcNow(), caller.KeyId, Caller.RoleName(caller.Role), chainId, action, target, status })
                insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            await insert.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            log.LogError(e, "Could not record an audit read by {KeyId}", caller.KeyId);
        }
    }
}

public static class AuditSetup
{
    public static WebApplicationBuilder AddLedgerAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new EventStore.Audit.AuditOptions
        {
            CheckpointEvery = builder.Configuration.GetValue("Peko:Audit:CheckpointEvery", 10_000),
        });
        builder.Services.AddSingleton<EventStore.Audit.LedgerVerifier>();
        var rowLimit = builder.Configuration.GetValue("Peko:Replay:RowLimit", EventStore.Projections.ProjectionContext.DefaultRowLimit);
        if (rowLimit < 1) throw new InvalidOperationException($"Peko:Replay:RowLimit must be at least 1, not {rowLimit}.");
        builder.Services.AddSingleton(s => new EventStore.Audit.ReplayVerifier(s.GetRequiredService<NpgsqlDataSource>(),
            s.GetRequiredService<EventStore.EventTypeRegistry>(), s.GetRequiredService<EventStore.LedgerStoreOptions>()) { RowLimit = rowLimit });
        builder.Services.AddSingleton(s => new EventStore.Projections.InlineRebuild(s.GetRequiredService<NpgsqlDataSource>(),
            s.GetRequiredService<EventStore.EventTypeRegistry>(), s.GetRequiredService<EventStore.LedgerStoreOptions>(),
            s.GetRequiredService<ILogger<EventStore.Projections.InlineRebuild>>()) { RowLimit = rowLimit });
        builder.Services.AddSingleton<GuestAsOf>();
        builder.Services.AddSingleton<AuditExport>();
        builder.Services.AddSingleton<AuditorReads>();
        return builder;
    }

    /// <summary>After the request has run (an export once it has streamed), records it if an auditor made it.</summary>
    public static WebApplication UseAuditorReads(this WebApplication app)
    {
        var reads = app.Services.GetRequiredService<AuditorReads>();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e)
            {
                await reads.RecordAsync(context, e);
                throw;
            }
            await reads.RecordAsync(context);
        });
        return app;
    }
}
