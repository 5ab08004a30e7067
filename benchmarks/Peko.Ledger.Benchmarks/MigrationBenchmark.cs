using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Peko.Ledger.Cli;
using Spectre.Console;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Issue 8's figures: 20 restaurants' member exports, 1,000,000 rows in all, each dry-run and committed as an admin
/// does it: <c>peko-ledger migrate --commit</c> (the CLI's entry point, run in this process) against the real service
/// over HTTP. Total time (target under 5 minutes), rows/s, and the service process's peak resident memory after the
/// first file and after the last (flat memory: it does not grow with the rows).
/// </summary>
static class MigrationBenchmark
{
    const string Chain = "bench-chain";

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (files, rows) = (args.Int("files", 20), args.Int("rows", 1_000_000));
        var summary = new Summary($"Migration: {files} exports, {rows:N0} member rows, dry run + commit each over HTTP");
        await using var server = await BenchServer.StartAsync();
        summary.Fact(await server.DescribeAsync());
        summary.Fact($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; service, PostgreSQL and CLI share them");

        var folder = Directory.CreateTempSubdirectory("peko-migration-bench-").FullName;
        try
        {
            var generating = Stopwatch.StartNew();
            var written = MemberFiles.Write(folder, files, rows, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1));
            Console.WriteLine($"Generated {written.Rows:N0} rows in {files} files ({written.Bytes / 1048576.0:N1} MiB; {written.SharedRows:N0} rows " +
                              $"of guests in four restaurants, {written.BadRows:N0} bad rows) in {generating.Elapsed.TotalSeconds:N1} s");

            var database = await server.CreateLedgerDatabaseAsync("migration");
            await using var service = await LedgerService.StartAsync(database);
            var adminKey = await SetUpChainAsync(service, files);
            using var memory = new MemorySampler(service.ProcessId);
            var startRss = memory.Current;
            var postmaster = ProcessCpu.Postmaster(server.DataDirectory);
            var (serviceCpu, postgresCpu, ownCpu) = (ProcessCpu.Seconds(service.ProcessId),
                postmaster is { } pm ? ProcessCpu.ClusterSeconds(pm) : 0, Process.GetCurrentProcess().TotalProcessorTime);
            var clock = Stopwatch.StartNew();
            long? peakAfterFirst = null;
            var (dryRuns, commits) = (TimeSpan.Zero, TimeSpan.Zero);
            for (var f = 0; f < files; f++)
            {
                var started = clock.Elapsed;
                var exit = await MigrateAsync(service, adminKey, $"r{f + 1}", written.Paths[f]);
                var (dryRun, commit) = await DurationsAsync(database, $"r{f + 1}");
                (dryRuns, commits) = (dryRuns + dryRun, commits + commit);
                Console.WriteLine($"  file {f + 1,2}: {(clock.Elapsed - started).TotalSeconds,6:N1} s (dry run {dryRun.TotalSeconds:N1} s, " +
                                  $"commit {commit.TotalSeconds:N1} s), exit {exit}, service peak RSS {Mib(memory.Peak):N0} MiB, now {Mib(memory.Current):N0} MiB");
                if (exit != ExitCodes.Ok) summary.Missing($"file {f + 1}", $"peko-ledger exited {exit}");
                peakAfterFirst ??= memory.Peak;
            }
            var total = clock.Elapsed;
            serviceCpu = ProcessCpu.Seconds(service.ProcessId) - serviceCpu;
            postgresCpu = postmaster is { } p ? ProcessCpu.ClusterSeconds(p) - postgresCpu : double.NaN;
            var cliCpu = (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds;

            summary.Add("dry run + commit, all files", total.TotalSeconds, "s", below: 300, format: "N1");
            summary.Add("rows/s (dry run + commit)", written.Rows / total.TotalSeconds, "rows/s");
            summary.Add("  of which dry runs", dryRuns.TotalSeconds, "s", format: "N1");
            summary.Add("  of which commits", commits.TotalSeconds, "s", format: "N1");
            summary.Add("service RSS before the first file", Mib(startRss), "MiB");
            summary.Add("service peak RSS after file 1", Mib(peakAfterFirst ?? 0), "MiB");
            summary.Add($"service peak RSS after file {files}", Mib(memory.Peak), "MiB");
            summary.Fact($"CPU during the files: service {serviceCpu:N1} s, PostgreSQL {postgresCpu:N1} s (with the async accounting " +
                         $"projection catching up), CLI and benchmark {cliCpu:N1} s, over {total.TotalSeconds:N1} s on {Environment.ProcessorCount} cores");
            await DescribeLedgerAsync(database, summary);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        summary.Print();
        return summary.AllPassed;
    }

    static double Mib(long bytes) => bytes / 1048576.0;

    /// <summary>One file as an admin migrates it: <c>peko-ledger migrate … --commit</c>, its report written nowhere.</summary>
    static async Task<int> MigrateAsync(LedgerService service, string adminKey, string restaurant, string path)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(TextWriter.Null),
        });
        using var errors = new StringWriter(CultureInfo.InvariantCulture);
        var context = new CliContext(console, errors, () => new SocketsHttpHandler(), _ => null, TimeSpan.FromMilliseconds(200));
        var exit = await LedgerCli.RunAsync(["migrate", "--url", service.Url, "--key", adminKey, "--chain", Chain,
            "--restaurant", restaurant, "--file", path, "--preset", "kiotviet", "--commit"], context, CancellationToken.None);
        if (exit != ExitCodes.Ok) Console.WriteLine($"  peko-ledger: {errors}");
        return exit;
    }

    /// <summary>The dry run (upload to the commit's start) and the commit, from the migration's own timestamps.</summary>
    static async Task<(TimeSpan DryRun, TimeSpan Commit)> DurationsAsync(string database, string restaurant)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""
            select commit_at - created_at, committed_at - commit_at from ledger.migrations
            where chain_id = $1 and restaurant_id = $2 order by created_at desc limit 1
            """, connection) { Parameters = { new() { Value = Chain }, new() { Value = restaurant } } };
        await using var r = await query.ExecuteReaderAsync();
        return await r.ReadAsync() && !r.IsDBNull(1) ? (r.GetTimeSpan(0), r.GetTimeSpan(1)) : (TimeSpan.Zero, TimeSpan.Zero);
    }

    static async Task DescribeLedgerAsync(string database, Summary summary)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""
            select (select count(*) from ledger.events), (select count(*) from ledger.guests where merged_into is null),
                   (select coalesce(sum(points), 0) from ledger.points_lots),
                   (select sum((result->'points'->>'inFile')::bigint) from ledger.migrations where status = 'committed'),
                   pg_size_pretty(pg_total_relation_size('ledger.migration_members') + pg_total_relation_size('ledger.migration_upload_chunks')),
                   (select count(*) from ledger.events e where e.seq > coalesce((select seq from ledger.projection_checkpoints where name = 'accounting'), 0))
            """, connection);
        await using var r = await query.ExecuteReaderAsync();
        await r.ReadAsync();
        summary.Fact($"ledger afterwards: {r.GetInt64(0):N0} events, {r.GetInt64(1):N0} guests, {r.GetInt64(2):N0} points in lots " +
                     $"({r.GetInt64(3):N0} in the accepted rows of the files); staged members and uploads kept: {r.GetString(4)}; " +
                     $"the async accounting projection had {r.GetInt64(5):N0} events left to take in");
    }

    /// <summary>A VND chain with one restaurant per file and a chain admin key; returns the key.</summary>
    static async Task<string> SetUpChainAsync(LedgerService service, int restaurants)
    {
        using var platform = new HttpClient { BaseAddress = new Uri(service.Url) };
        platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", service.AdminKey);
        Check(await platform.PostAsJsonAsync("/v1/chains", new
        {
            chainId = Chain, name = "Benchmark chain", currency = "VND", timeZone = "Asia/Ho_Chi_Minh", defaultPhoneRegion = "VN",
            program = new
            {
                spendPerPoint = 10_000, pointValue = 1_000, pointsExpireAfterMonths = 24, pointsPendingDays = 0, tierWindowMonths = 12,
                tiers = new[] { new { name = "Bronze", minSpend = 0, earnMultiplier = 1.0 }, new { name = "Silver", minSpend = 5_000_000, earnMultiplier = 1.25 } },
            },
        }));
        for (var r = 1; r <= restaurants; r++)
            Check(await platform.PostAsJsonAsync($"/v1/chains/{Chain}/restaurants", new { restaurantId = $"r{r}", name = $"Restaurant {r}", pos = "kiotviet" }));
        var issued = await Check(await platform.PostAsJsonAsync($"/v1/chains/{Chain}/api-keys", new { role = "admin", label = "migration bench" }))
            .Content.ReadFromJsonAsync<JsonObject>();
        return issued!["key"]!.GetValue<string>();
    }

    static HttpResponseMessage Check(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? response
            : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} -> {(int)response.StatusCode} " +
                                                  response.Content.ReadAsStringAsync().Result);
}
