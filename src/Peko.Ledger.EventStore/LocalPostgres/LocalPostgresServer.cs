using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Peko.Ledger.EventStore.LocalPostgres;

/// <summary>
/// A PostgreSQL cluster of our own, for the dev run and the tests: initialised in a folder on first use, started on a
/// free loopback port, stopped on dispose. As root it runs the server as the <c>postgres</c> user (initdb refuses
/// root). Trust authentication, loopback only: this is a developer's throwaway database, never a production one.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    readonly LocalPostgresOptions _options;
    readonly string _binaries;
    readonly bool _ownsProcess;
    int _stopped;

    LocalPostgresServer(LocalPostgresOptions options, string binaries, int port, bool ownsProcess)
    {
        _options = options;
        _binaries = binaries;
        Port = port;
        _ownsProcess = ownsProcess;
    }

    public int Port { get; }
    public string DataDirectory => _options.DataDirectory;

    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database,
    }.ConnectionString;

    public static async Task<LocalPostgresServer> StartAsync(LocalPostgresOptions options, Action<string>? log = null,
        CancellationToken ct = default)
    {
        log ??= _ => { };
        var binaries = PostgresBinaries.FindOrThrow();
        var asRoot = Environment.IsPrivilegedProcess;
        var dir = Path.GetFullPath(options.DataDirectory);
        if (asRoot && !await PostgresUserCanReachAsync(dir, ct))
        {
            // The server runs as 'postgres', which cannot reach a folder under, say, /root. Keep the cluster in the
            // postgres user's home instead, one per requested folder.
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(dir)))[..12];
            var fallback = $"/var/lib/postgresql/peko-ledger-{hash}";
            log($"The postgres user cannot reach {dir}; keeping the cluster in {fallback} instead");
            dir = fallback;
        }
        options = options with { DataDirectory = dir };

        if (!File.Exists(Path.Combine(dir, "PG_VERSION")))
        {
            log($"Creating a PostgreSQL cluster in {dir}");
            Directory.CreateDirectory(dir);
            if (asRoot) await Run("chown", ["postgres:postgres", dir], ct);
            await Run(Tool(binaries, "initdb"), ["-D", dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                "--locale=C.UTF-8", "--no-instructions", .. options.Durable ? Array.Empty<string>() : ["--no-sync"]],
                ct, asRoot);
            await AppendSettingsAsync(dir, options, asRoot, ct);
        }

        var running = RunningPort(dir);
        if (running is int existing && await CanConnectAsync(existing, ct))
        {
            // Another process of ours (a second service instance) already runs this cluster: share it, leave it running.
            log($"Using the PostgreSQL already running on port {existing} for {dir}");
            return new LocalPostgresServer(options, binaries, existing, ownsProcess: false);
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                await Run(Tool(binaries, "pg_ctl"), ["-D", dir, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60",
                    "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)}", "start"], ct, asRoot);
                log($"PostgreSQL started on 127.0.0.1:{port} (data: {dir})");
                StartWatchdog(binaries, options, asRoot);
                return new LocalPostgresServer(options, binaries, port, ownsProcess: true);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between probing and binding; try another.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        if (_ownsProcess)
        {
            NpgsqlConnection.ClearAllPools();
            // A durable cluster shuts down cleanly; a throwaway one is about to be deleted, so it may just stop.
            var mode = _options.Durable ? "fast" : "immediate";
            await Run(Tool(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "stop"], default,
                Environment.IsPrivilegedProcess, throwOnError: false);
        }
        if (_options.DeleteOnStop && _ownsProcess)
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { }
    }

    /// <summary>Stops a cluster that a crashed process left running (if any) and deletes its folder.</summary>
    public static async Task RemoveAbandonedAsync(string dataDirectory)
    {
        if (PostgresBinaries.Find() is { } binaries && File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
            await Run(Tool(binaries, "pg_ctl"), ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], default,
                Environment.IsPrivilegedProcess, throwOnError: false);
        try { Directory.Delete(dataDirectory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Stops synchronously; for process-exit hooks where nothing can be awaited.</summary>
    public void Stop() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// A detached shell that waits for this process to end, however it ends (a kill -9 included), then stops the
    /// cluster and, for a throwaway one, deletes it. A graceful dispose gets there first; the watchdog then finds
    /// nothing left to do.
    /// </summary>
    static void StartWatchdog(string binaries, LocalPostgresOptions options, bool asRoot)
    {
        const string script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ "$5" = 1 ]; then runuser -u postgres -- "$2" -D "$3" -m "$4" -w stop; else "$2" -D "$3" -m "$4" -w stop; fi
            if [ "$6" = 1 ]; then rm -rf "$3"; fi
            """;
        var start = new ProcessStartInfo("setsid", ["sh", "-c", script, "peko-ledger-pg-watchdog",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Tool(binaries, "pg_ctl"), options.DataDirectory,
            options.Durable ? "fast" : "immediate", asRoot ? "1" : "0", options.DeleteOnStop ? "1" : "0"])
        {
            UseShellExecute = false,
        };
        using var _ = Process.Start(start);
    }

    static async Task AppendSettingsAsync(string dir, LocalPostgresOptions options, bool asRoot, CancellationToken ct)
    {
        var settings = new List<string>
        {
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            $"max_connections = {options.MaxConnections}",
            // A transaction left open holds back every async projection (docs/architecture.md): end idle ones.
            "idle_in_transaction_session_timeout = '60s'",
            "shared_buffers = '256MB'",
            "logging_collector = off",
        };
        if (!options.Durable)
            settings.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off",
                "wal_level = minimal", "max_wal_senders = 0", "autovacuum = off", "checkpoint_timeout = '30min'",
                "max_wal_size = '2GB'"]);
        var conf = Path.Combine(dir, "postgresql.conf");
        await File.AppendAllTextAsync(conf,
            "\n# Peko Ledger local cluster\n" + string.Join('\n', settings) + "\n", ct);
        if (asRoot) await Run("chown", ["postgres:postgres", conf], ct);
    }

    static async Task<bool> PostgresUserCanReachAsync(string dir, CancellationToken ct)
    {
        // Walk up to the first existing folder: postgres must be able to enter it (and create what is missing).
        var existing = dir;
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? "/";
        try
        {
            await Run("runuser", ["-u", "postgres", "--", "test", "-x", existing], ct);
            return true;
        }
        catch (InvalidOperationException) { return false; }
    }

    static int? RunningPort(string dir)
    {
        // postmaster.pid: line 1 = pid, line 4 = port.
        var pidFile = Path.Combine(dir, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static async Task<bool> CanConnectAsync(int port, CancellationToken ct)
    {
        try
        {
            await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
                { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Timeout = 3, Pooling = false }
                .ConnectionString);
            await c.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException) { return false; }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string Tool(string binaries, string name) => Path.Combine(binaries, name);

    static async Task Run(string file, string[] args, CancellationToken ct, bool asPostgresUser = false,
        bool throwOnError = true)
    {
        var start = asPostgresUser
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args])
            : new ProcessStartInfo(file, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.WorkingDirectory = "/";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 && throwOnError)
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} failed (exit {process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
    }
}

public sealed record LocalPostgresOptions
{
    public required string DataDirectory { get; init; }
    /// <summary>Dev run: keep data safe across crashes. Tests: off, for speed.</summary>
    public bool Durable { get; init; } = true;
    public bool DeleteOnStop { get; init; }
    public int MaxConnections { get; init; } = 200;
}
