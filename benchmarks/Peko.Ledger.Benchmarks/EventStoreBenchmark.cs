using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// <c>eventstore</c>: append throughput against pgbench's one-row insert on the same server, then the replay speed of
/// an async projection over a bulk-loaded history, and the plain global-log read speed. See docs/benchmarks.md.
/// </summary>
static class EventStoreBenchmark
{
    const double AppendToPgBenchTarget = 0.7;
    const double RebuildTarget = 100_000;

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var writers = args.Int("writers", 8);
        var seconds = args.Int("seconds", 15);
        var warmup = args.Int("warmup", 3);
        var events = args.Int("events", 1_000_000);
        var streams = args.Int("streams", 100_000);
        var batchSize = args.Int("batch", 5_000);
        var pageSize = args.Int("page", 10_000);
        // Extra Npgsql settings for the ledger's data sources only, e.g. "Max Auto Prepare=20" (never for pgbench).
        var npgsql = args.Text("npgsql", "");
        var types = BenchEvents.Types();
        var summary = new Summary("Peko Ledger event store benchmark");

        Console.WriteLine("Starting PostgreSQL");
        await using var server = await BenchServer.StartAsync();
        summary.Fact($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
                     $".NET {Environment.Version}, Npgsql {typeof(NpgsqlConnection).Assembly.GetName().Version}");
        summary.Fact($"Server: {await server.DescribeAsync()}; {server.Origin}");
        if (npgsql.Length > 0) summary.Fact($"Ledger connection string extras: {npgsql}");

        var appendDb = await server.CreateLedgerDatabaseAsync("append");
        await using (var dataSource = NpgsqlDataSource.Create(With(appendDb, npgsql)))
        {
            var store = new LedgerStore(dataSource, types, new LedgerStoreOptions(), TimeProvider.System);
            var appends = new AppendThroughput(store, writers, args.Int("streams-per-writer", 1_000));
            Console.WriteLine($"Appending: {writers} writers, one event per transaction, {warmup} s warm-up + {seconds} s");
            await appends.RunAsync(TimeSpan.FromSeconds(warmup));
            await BenchServer.ExecuteAsync(appendDb, "checkpoint");
            var m = await appends.RunAsync(TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"  {m.Appends:N0} appends in {m.Elapsed.TotalSeconds:0.0} s = {m.PerSecond:N0}/s " +
                              $"(latency p50 {m.P50Ms:0.00} ms, p99 {m.P99Ms:0.00} ms)");
            summary.Add($"Append, {writers} writers, 1 event/tx", m.PerSecond, "appends/s");

            Console.WriteLine($"pgbench: one-row insert per transaction, {writers} clients, {warmup} s warm-up + {seconds} s");
            var payload = types.Serialize(BenchEvents.Earned("guest-0-0000", 0));
            var pgbench = await PgBench.OneRowInsertAsync(appendDb, payload, writers, seconds, warmup);
            if (pgbench is null)
            {
                summary.Missing("Append / pgbench ratio", "no pgbench");
            }
            else
            {
                Console.WriteLine($"  {pgbench.Tps:N0} tps (latency average {pgbench.LatencyMs:0.00} ms); {pgbench.Command}");
                summary.Add($"pgbench one-row insert, {writers} clients", pgbench.Tps, "tps");
                summary.Add("Append / pgbench ratio", m.PerSecond / pgbench.Tps, "", AppendToPgBenchTarget, "0.00");
            }
        }

        var rebuildDb = await server.CreateLedgerDatabaseAsync("rebuild");
        await StreamBalanceProjection.CreateTableAsync(rebuildDb);
        await using (var dataSource = NpgsqlDataSource.Create(With(rebuildDb, npgsql)))
        {
            var projection = new StreamBalanceProjection();
            await using var runner = new ProjectionRunner(projection, dataSource, types,
                new ProjectionRunnerOptions { BatchSize = batchSize }, NullLogger.Instance, TimeProvider.System);
            // The projection has run before (as in production): a rebuild of one that never ran fails (docs/benchmarks.md).
            await runner.CatchUpAsync();

            Console.WriteLine($"Bulk-loading {events:N0} events over {streams:N0} streams (binary COPY)");
            var loaded = await BulkLoad.LoadAsync(dataSource, types, events, streams);
            Console.WriteLine($"  loaded, vacuumed and checkpointed in {loaded.TotalSeconds:0.0} s");

            Console.WriteLine($"Rebuilding {projection.Name} (batch size {batchSize:N0})");
            var clock = Stopwatch.StartNew();
            var replayed = await runner.RebuildAsync();
            var rebuild = clock.Elapsed;
            var (rows, earns) = await StreamBalanceProjection.TotalsAsync(dataSource);
            Console.WriteLine($"  {replayed:N0} events in {rebuild.TotalSeconds:0.00} s = {replayed / rebuild.TotalSeconds:N0}/s; " +
                              $"{rows:N0} balances over {earns:N0} earns");
            if (replayed != events || earns != events || rows != streams)
                throw new InvalidOperationException("The rebuild did not see every event exactly once.");
            summary.Add($"Projection rebuild, batch {batchSize:N0}", replayed / rebuild.TotalSeconds, "events/s", RebuildTarget);

            Console.WriteLine($"Reading the global log (page size {pageSize:N0})");
            var store = new LedgerStore(dataSource, types, new LedgerStoreOptions(), TimeProvider.System);
            clock.Restart();
            long read = 0;
            await foreach (var page in store.ReadLogAsync(LogPosition.Start, pageSize)) read += page.Count;
            var readTime = clock.Elapsed;
            Console.WriteLine($"  {read:N0} events in {readTime.TotalSeconds:0.00} s = {read / readTime.TotalSeconds:N0}/s");
            summary.Add($"Global log read, page {pageSize:N0}", read / readTime.TotalSeconds, "events/s");
        }

        summary.Print();
        return summary.AllPassed;
    }

    static string With(string connectionString, string extras) =>
        extras.Length == 0 ? connectionString : $"{connectionString};{extras}";
}
