using Npgsql;
using Xunit;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.Testing;

/// <summary>
/// The PostgreSQL server every test in the process shares: the one named by <c>PEKO_TEST_POSTGRES</c>, or a throwaway
/// cluster in a temp folder (tuned for speed, removed when the process ends). Each test class gets its own database,
/// cloned from a template that already has the ledger schema.
/// </summary>
public static class TestPostgres
{
    static readonly SemaphoreSlim Gate = new(1, 1);
    static string? _adminConnectionString;
    static string? _templateName;
    static LocalPostgresServer? _server;

    public static async Task<string> AdminConnectionStringAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _adminConnectionString ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates a fresh database with the current ledger schema; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(bool withSchema = true)
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"peko_test_{Guid.NewGuid():N}"[..30];
        var template = withSchema ? await TemplateAsync(admin) : "template0";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {name} template {template}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 30 }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    static async Task<string> TemplateAsync(string admin)
    {
        await Gate.WaitAsync();
        try
        {
            if (_templateName is not null) return _templateName;
            var name = $"peko_template_{Guid.NewGuid():N}"[..30];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"create database {name}", connection);
                await create.ExecuteNonQueryAsync();
            }
            var templateConnection = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false };
            await using (var dataSource = NpgsqlDataSource.Create(templateConnection.ConnectionString))
                await new SchemaMigrator(dataSource).MigrateAsync();
            if (_server is null) AppDomain.CurrentDomain.ProcessExit += (_, _) => DropQuietly(admin, name);
            return _templateName = name;
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("PEKO_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;

        await RemoveAbandonedClustersAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"{ClusterPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        _server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions
        {
            DataDirectory = folder, Durable = false, DeleteOnStop = true, MaxConnections = 400,
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _server.Stop();
        return _server.ConnectionString();
    }

    const string ClusterPrefix = "peko-ledger-test-";

    /// <summary>A test run that was killed leaves its cluster behind; the next run clears it away.</summary>
    static async Task RemoveAbandonedClustersAsync()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), ClusterPrefix + "*"))
        {
            var pidPart = Path.GetFileName(dir)[ClusterPrefix.Length..].Split('-')[0];
            if (int.TryParse(pidPart, out var pid) && pid != Environment.ProcessId && !IsAlive(pid))
                await LocalPostgresServer.RemoveAbandonedAsync(dir);
        }
    }

    static bool IsAlive(int pid)
    {
        try { return !System.Diagnostics.Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    static void DropQuietly(string admin, string database)
    {
        try
        {
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            using var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection);
            drop.ExecuteNonQuery();
        }
        catch (NpgsqlException) { }
    }
}

/// <summary>A database of its own for one test class (use as <c>IClassFixture</c>), dropped afterwards.</summary>
public class LedgerDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    protected virtual bool WithSchema => true;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(WithSchema);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}

/// <summary>An empty database, for tests of the schema migrations themselves.</summary>
public sealed class EmptyDatabase : LedgerDatabase
{
    protected override bool WithSchema => false;
}
