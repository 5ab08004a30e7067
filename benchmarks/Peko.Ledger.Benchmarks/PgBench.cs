using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Audit;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// The yardstick: pgbench, PostgreSQL's own C client, committing one single-row insert per transaction on the same
/// server, with the same number of clients. Its defaults are kept (simple query protocol): this is the baseline as
/// anyone would run it, never tuned either way.
/// </summary>
static partial class PgBench
{
    /// <param name="Machine">The machine's CPU during the timed run, when measured.</param>
    public sealed record Result(double Tps, double LatencyMs, string Command, MachineCpu? Machine = null);

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
    /// The store's own append, driven by pgbench instead of .NET: the advisory lock and the one-event statement
    /// (AppendStatements, exact expected version) in one pipeline, so one implicit transaction as the store sends them,
    /// prepared (-M prepared), each client on 1,000 streams of its own. The expected version, which a writer knows, is
    /// read by a sub-select here (one key lookup more than the store's). What this costs the server alone.
    /// </summary>
    public static async Task<Result?> AppendSqlAsync(string connectionString, string payload, int clients, int seconds,
        int warmupSeconds)
    {
        if (Find() is not { } pgbench) return null;
        const string Streams = "'pgbench-' || :stream::text";
        await BenchServer.ExecuteAsync(connectionString, $"""
            insert into ledger.streams (id, kind, chain_id, version, created_at, updated_at)
            select 'pgbench-' || g, 'points', 'bench-chain', 1, now(), now() from generate_series(1, {clients * 1000 + 1000}) g
            """);
        // pgbench reads ":name" as a variable, so text with colons (the payload, the hash's netstrings) travels as base64.
        static string Text(string text) =>
            $"convert_from(decode('{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text))}', 'base64'), 'UTF8')";
        var recordedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var (head, tail) = EventHash.HashParts("bench-chain", "", recordedAt, EventMetadata.None);
        head = head[..^EventHash.Netstring("").Length];
        string[] values = [Streams, "1::bigint", "'bench-chain'", $"'{recordedAt:O}'::timestamptz", "null::text",
            "null::text", "null::text", "null::text", "null::text", "array['points-earned']", $"array[{Text(payload)}::jsonb]",
            "'points'", $"(select version from ledger.streams where id = {Streams})",
            $"{Text(head)} || length({Streams})::text || chr(58) || {Streams} || ','",
            $"array[{Text(EventHash.Netstring("points-earned"))}]", Text(tail)];
        var sql = AppendStatements.OneEventAtExactVersion;
        for (var i = values.Length; i >= 1; i--) sql = sql.Replace($"${i}", $"({values[i - 1]})", StringComparison.Ordinal);
        var script = Path.Combine(Path.GetTempPath(), $"peko-bench-append-sql-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, $"""
            \set stream :client_id * 1000 + random(1, 1000)
            \startpipeline
            select pg_advisory_xact_lock(hashtextextended({Streams}, {AdvisoryLocks.Streams}));
            {sql.ReplaceLineEndings(" ")};
            \endpipeline

            """);
        try
        {
            if (warmupSeconds > 0) await RunAsync(pgbench, connectionString, script, clients, warmupSeconds, prepared: true);
            await BenchServer.TryExecuteAsync(connectionString, "checkpoint");
            return await RunAsync(pgbench, connectionString, script, clients, seconds, prepared: true);
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

    static async Task<Result> RunAsync(string pgbench, string connectionString, string script, int clients, int seconds,
        bool prepared = false)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        string[] args = [.. prepared ? new[] { "-M", "prepared" } : [], "-n", "-c", $"{clients}", "-j", $"{clients}", "-T", $"{seconds}", "-f", script,
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
