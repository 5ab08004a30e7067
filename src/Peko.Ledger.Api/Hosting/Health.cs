using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Hosting;

/// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the database answers and its schema is current.</summary>
public static class Health
{
    public static WebApplicationBuilder AddLedgerHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<DatabaseReady>("database", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapLedgerHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    sealed class DatabaseReady(LedgerDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try
            {
                var version = await new SchemaMigrator(database.DataSource).CurrentVersionAsync(ct);
                return version == SchemaMigrator.LatestVersion
                    ? HealthCheckResult.Healthy($"schema {version}")
                    : HealthCheckResult.Unhealthy($"schema {version}, expected {SchemaMigrator.LatestVersion}");
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
    }
}
