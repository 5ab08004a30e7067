using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// The PostgreSQL the benchmarks measure: the server named by <c>PEKO_BENCH_POSTGRES</c> (a connection string with
/// rights to create databases), or a durable throwaway cluster of our own (fsync on, like production), removed after.
/// Each benchmark phase gets a fresh database with the ledger schema, dropped at the end.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    readonly LocalPostgresServer? _local;
    readonly List<string> _databases = [];

    BenchServer(string adminConnectionString, LocalPostgresServer? local)
    {
        AdminConnectionString = adminConnectionString;
        _local = local;
    }

    public string AdminConnectionString { get; }
    public string Origin => _local is null ? "PEKO_BENCH_POSTGRES" : $"local durable cluster in {_local.DataDirectory}";

    /// <summary>The server's data directory when it runs on this machine (ours, or PEKO_BENCH_POSTGRES_DATA's), for its CPU time.</summary>
    public string? DataDirectory => _local?.DataDirectory ?? Environment.GetEnvironmentVariable("PEKO_BENCH_POSTGRES_DATA");

    public static async Task<BenchServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("PEKO_BENCH_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured)) return new BenchServer(configured, null);

        var folder = Path.Combine(Path.GetTempPath(), $"peko-ledger-bench-{Environment.ProcessId}");
        var local = await LocalPostgresServer.StartAsync(
            new LocalPostgresOptions { DataDirectory = folder, Durable = true, DeleteOnStop = true },
            message => Console.WriteLine($"  {message}"));
        return new BenchServer(local.ConnectionString(), local);
    }

    /// <summary>Creates an empty database, migrates it to the current ledger schema; returns its connection string.</summary>
    public async Task<string> CreateLedgerDatabaseAsync(string purpose)
    {
        var name = $"peko_bench_{purpose}_{Environment.ProcessId}";
        await ExecuteAsync(AdminConnectionString, $"drop database if exists {name} with (force)");
        await ExecuteAsync(AdminConnectionString, $"create database {name}");
        _databases.Add(name);
        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        return connectionString;
    }

    /// <summary>
    /// A database an earlier run kept (<c>replay --database</c>) on the <c>PEKO_BENCH_POSTGRES</c> server: its connection
    /// string, or an error when there is no such server.
    /// </summary>
    public string ExistingDatabase(string name) => _local is null
        ? new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString
        : throw new InvalidOperationException("A kept database needs PEKO_BENCH_POSTGRES: a throwaway cluster keeps nothing.");

    /// <summary>The facts a figure is meaningless without: server version and the durability settings.</summary>
    public async Task<string> DescribeAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('wal_level'), current_setting('shared_buffers')
            """, connection);
        await using var r = await command.ExecuteReaderAsync();
        await r.ReadAsync();
        return $"PostgreSQL {r.GetString(0)} (fsync={r.GetString(1)}, synchronous_commit={r.GetString(2)}, " +
               $"wal_level={r.GetString(3)}, shared_buffers={r.GetString(4)})";
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>For what only a superuser may do (CHECKPOINT, skipping triggers): on a server we don't own, go without.</summary>
    public static async Task<bool> TryExecuteAsync(string connectionString, string sql)
    {
        try
        {
            await ExecuteAsync(connectionString, sql);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine($"  (skipped '{sql}': {e.MessageText})");
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_local is not null)
        {
            await _local.DisposeAsync(); // the whole cluster goes, databases included
            return;
        }
        foreach (var name in _databases)
            await ExecuteAsync(AdminConnectionString, $"drop database if exists {name} with (force)");
    }
}
