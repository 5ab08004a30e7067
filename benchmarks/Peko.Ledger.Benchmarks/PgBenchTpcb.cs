using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Peko.Ledger.Benchmarks;

static partial class PgBench
{
    /// <summary>
    /// pgbench's built-in TPC-B-like transaction (three updates, a select and an insert, committed), initialised at
    /// scale <paramref name="scale"/> in a database of its own, with the same number of clients as the HTTP test.
    /// </summary>
    public static async Task<Result?> TpcbAsync(string connectionString, int clients, int seconds, int scale)
    {
        var pgbench = Find();
        if (pgbench is null)
        {
            Console.WriteLine("  pgbench was not found next to the PostgreSQL server binaries; skipping.");
            return null;
        }
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        string[] target = ["-h", c.Host!, "-p", $"{c.Port}", "-U", c.Username ?? "postgres"];
        await RunToolAsync(pgbench, [.. target, "-i", "-q", "-s", $"{scale}", c.Database!], c.Password);
        await BenchServer.TryExecuteAsync(connectionString, "checkpoint");
        string[] args = [.. target, "-c", $"{clients}", "-j", $"{Math.Min(clients, Environment.ProcessorCount)}",
            "-T", $"{seconds}", c.Database!];
        var output = await RunToolAsync(pgbench, args, c.Password);
        var tps = TpsLine().Match(output);
        var latency = LatencyLine().Match(output);
        return new Result(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            $"pgbench {string.Join(' ', args[..^1])} <db>  (after pgbench -i -s {scale})");
    }

    static async Task<string> RunToolAsync(string pgbench, string[] args, string? password)
    {
        var start = new ProcessStartInfo(pgbench, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!string.IsNullOrEmpty(password)) start.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start pgbench.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pgbench failed (exit {process.ExitCode}): {await stderr}\n{await stdout}");
        return await stdout;
    }
}
