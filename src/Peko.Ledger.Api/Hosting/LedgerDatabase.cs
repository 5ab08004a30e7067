using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.Api.Hosting;

/// <summary>
/// The service's database: the server named by <c>ConnectionStrings:Ledger</c>, or else a local cluster of its own in
/// <c>.data/postgres</c> (kept between runs, durable settings) that stops with the service. Started before the host
/// starts; the schema is brought up to date at the same moment.
/// </summary>
public sealed class LedgerDatabase(IConfiguration configuration, IHostEnvironment environment, ILogger<LedgerDatabase> log)
    : IAsyncDisposable
{
    public const string DevDatabaseName = "peko_ledger";
    NpgsqlDataSource? _dataSource;
    LocalPostgresServer? _localServer;

    public NpgsqlDataSource DataSource =>
        _dataSource ?? throw new InvalidOperationException("The ledger database has not been started yet.");

    /// <summary>The dev run's data folder (<c>.data</c>) when the service runs its own local cluster; else null.</summary>
    public string? LocalDataFolder { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var connectionString = configuration.GetConnectionString("Ledger");
        if (string.IsNullOrWhiteSpace(connectionString))
            connectionString = await StartLocalServerAsync(ct);
        else
            log.LogInformation("Using the configured database {Database} on {Host}",
                new NpgsqlConnectionStringBuilder(connectionString).Database, new NpgsqlConnectionStringBuilder(connectionString).Host);

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(builder.ConnectionStringBuilder.MaxAutoPrepare, 64);
        builder.ConnectionStringBuilder.ApplicationName ??= "peko-ledger";
        // The service keeps no session state on pooled connections (transaction-scoped locks and settings only; the
        // projection runner releases its session lock itself), so skip the reset round trip on every connection return.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        _dataSource = builder.Build();

        var applied = await new SchemaMigrator(_dataSource).MigrateAsync(ct);
        foreach (var script in applied)
            log.LogInformation("Applied schema script {Version} {Name}", script.Version, script.Name);
    }

    async Task<string> StartLocalServerAsync(CancellationToken ct)
    {
        var folder = configuration["Peko:LocalDataDirectory"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot(environment.ContentRootPath), ".data", "postgres");
        log.LogInformation("No ConnectionStrings:Ledger configured: running a local PostgreSQL in {Folder}", folder);
        LocalDataFolder = Path.GetDirectoryName(Path.GetFullPath(folder));
        _localServer = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = folder, Durable = true },
            message => log.LogInformation("{LocalPostgres}", message), ct);

        await using (var admin = new NpgsqlConnection(_localServer.ConnectionString()))
        {
            await admin.OpenAsync(ct);
            await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", admin)
                { Parameters = { new() { Value = DevDatabaseName } } };
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                await using var create = new NpgsqlCommand($"create database {DevDatabaseName}", admin);
                await create.ExecuteNonQueryAsync(ct);
            }
        }
        return _localServer.ConnectionString(DevDatabaseName);
    }

    /// <summary>The folder holding Peko.Ledger.sln above <paramref name="start"/>, so `.data/` sits at the repository root.</summary>
    static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Peko.Ledger.sln"))) return dir.FullName;
        return start;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_localServer is not null)
        {
            log.LogInformation("Stopping the local PostgreSQL");
            await _localServer.DisposeAsync();
        }
    }
}
