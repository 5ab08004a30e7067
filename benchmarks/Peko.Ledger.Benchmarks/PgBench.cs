using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// The yardstick: pgbench, PostgreSQL's own C client, committing one single-row insert per transaction on the same
/// server, with the same number of clients. Its defaults are kept (simple query protocol): this is the baseline as
/// anyone would run it, never tuned either way.
/// </summary>
static partial class PgBench
{
    public sealed record Result(double Tps, double LatencyMs, string Command);

    /// <summary>Runs pgbench; null (with the reason printed) when no pgbench binary is installed.</summary>
    public static async Task<Result?> OneRowInsertAsync(string connectionString, string payload, int clients, int seconds,
        int warmupSeconds)
    {
        var pgbench = Find();
        if (pgbench is null)
        {
            Console.WriteLine("  pgbench was not found next to the PostgreSQL server binaries; skipping.");
            return null;
        }

        await BenchServer.ExecuteAsync(connectionString, """
            create table bench_one_row (id bigint generated always as identity primary key, payload text not null)
            """);
        var script = Path.Combine(Path.GetTempPath(), $"peko-bench-one-row-{Environment.ProcessId}.sql");
        var literal = payload.Replace("'", "''", StringComparison.Ordinal);
        await File.WriteAllTextAsync(script, $"INSERT INTO bench_one_row(payload) VALUES ('{literal}');\n");
        try
        {
            if (warmupSeconds > 0) await RunAsync(pgbench, connectionString, script, clients, warmupSeconds);
            await BenchServer.TryExecuteAsync(connectionString, "checkpoint");
            return await RunAsync(pgbench, connectionString, script, clients, seconds);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// pgbench of the server's own version: beside initdb, or beside its link target (initdb on PATH is often a
    /// symlink into /usr/lib/postgresql/N/bin, which is where pgbench lives).
    /// </summary>
    static string? Find()
    {
        if (PostgresBinaries.Find() is not { } dir) return null;
        var initdb = new FileInfo(Path.Combine(dir, "initdb"));
        var real = Path.GetDirectoryName(initdb.ResolveLinkTarget(returnFinalTarget: true)?.FullName);
        return new[] { dir, real }.OfType<string>().Select(d => Path.Combine(d, "pgbench")).FirstOrDefault(File.Exists);
    }

    static async Task<Result> RunAsync(string pgbench, string connectionString, string script, int clients, int seconds)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        string[] args = ["-n", "-c", $"{clients}", "-j", $"{clients}", "-T", $"{seconds}", "-f", script,
            "-h", c.Host!, "-p", $"{c.Port}", "-U", c.Username ?? "postgres", c.Database!];
        // pgbench is a client: as root it runs directly (only the server refuses root).
        var start = new ProcessStartInfo(pgbench, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!string.IsNullOrEmpty(c.Password)) start.Environment["PGPASSWORD"] = c.Password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start pgbench.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        var tps = TpsLine().Match(output);
        if (process.ExitCode != 0 || !tps.Success)
            throw new InvalidOperationException($"pgbench failed (exit {process.ExitCode}): {await stderr}\n{output}");
        var latency = LatencyLine().Match(output);
        return new Result(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            $"pgbench {string.Join(' ', args[..^1])} <db>".Replace(script, "<script>", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^tps = ([0-9.]+) \(without initial connection time\)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"^latency average = ([0-9.]+) ms", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();
}
