using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Peko.Ledger.Benchmarks;

static partial class PgBench
{
    /// <summary>
    /// pgbench's built-in TPC-B-like transaction (three updates, a select and an insert, committed), at scale
    /// <paramref name="scale"/> in a database of its own: <see cref="Tpcb.RunAsync"/> runs it, as often as the caller
    /// alternates it with its own phases. Null (with the reason printed) when no pgbench binary is installed.
    /// </summary>
    public static async Task<Tpcb?> TpcbAsync(string connectionString, int scale)
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
        return new Tpcb(pgbench, connectionString, target, scale);
    }

    public sealed class Tpcb(string pgbench, string connectionString, string[] target, int scale)
    {
        /// <summary>
        /// One run with <paramref name="clients"/> clients for <paramref name="seconds"/>: an untimed one of
        /// <paramref name="warmUpSeconds"/> first (its tables back in the server's cache after the caller's phase), then
        /// a checkpoint, then the timed run.
        /// </summary>
        public async Task<Result> RunAsync(int clients, int seconds, int warmUpSeconds)
        {
            var c = new NpgsqlConnectionStringBuilder(connectionString);
            string[] Args(int s) => [.. target, "-c", $"{clients}", "-j", $"{Math.Min(clients, Environment.ProcessorCount)}",
                "-T", $"{s}", c.Database!];
            if (warmUpSeconds > 0) await RunToolAsync(pgbench, Args(warmUpSeconds), c.Password);
            await BenchServer.TryExecuteAsync(connectionString, "checkpoint");
            var args = Args(seconds);
            var machineBefore = ProcessCpu.Machine();
            var output = await RunToolAsync(pgbench, args, c.Password);
            var machine = ProcessCpu.MachineSince(machineBefore);
            // What its updates left for autovacuum is done now, untimed, rather than during the caller's next phase.
            await BenchServer.ExecuteAsync(connectionString, "vacuum");
            var tps = TpsLine().Match(output);
            var latency = LatencyLine().Match(output);
            return new Result(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
                latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
                $"pgbench {string.Join(' ', args[..^1])} <db>  (after pgbench -i -s {scale})", machine);
        }
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
