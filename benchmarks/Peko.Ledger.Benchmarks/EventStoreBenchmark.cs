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
        var only = args.Text("only", "all"); // all | append | rebuild
        var summary = new Summary("Peko Ledger event store benchmark");
        Console.WriteLine("Starting PostgreSQL");
        await using var server = await BenchServer.StartAsync();
        summary.Fact($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
                     $".NET {Environment.Version}, Npgsql {typeof(NpgsqlConnection).Assembly.GetName().Version}");
        summary.Fact($"Server: {await server.DescribeAsync()}; {server.Origin}");
        summary.Fact($"Ledger side connects with: {(args.Text("npgsql", DefaultNpgsql) is { Length: > 0 } n ? n : "Npgsql defaults")}" +
                     " (pgbench: its own defaults)");

        if (only is "all" or "append") await AppendAsync(server, args, summary);
        if (only is "all" or "rebuild") await RebuildAsync(server, args, summary);
        summary.Print();
        return summary.AllPassed;
    }

    static async Task AppendAsync(BenchServer server, BenchArgs args, Summary summary)
    {
        var (writers, seconds, warmup) = (args.Int("writers", 8), args.Int("seconds", 15), args.Int("warmup", 3));
        var types = BenchEvents.Types();
        var db = await server.CreateLedgerDatabaseAsync("append");
        await using (var dataSource = NpgsqlDataSource.Create(LedgerConnectionString(db, args)))
        {
            var store = new LedgerStore(dataSource, types, new LedgerStoreOptions(), TimeProvider.System);
            var appends = new AppendThroughput(store, writers, args.Int("streams-per-writer", 1_000));
            Console.WriteLine($"Appending: {writers} writers, one event per transaction, {warmup} s warm-up + {seconds} s");
            await appends.RunAsync(TimeSpan.FromSeconds(warmup));
            await BenchServer.TryExecuteAsync(db, "checkpoint");
            var m = await appends.RunAsync(TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"  {m.Appends:N0} appends in {m.Elapsed.TotalSeconds:0.0} s = {m.PerSecond:N0}/s " +
                              $"(latency p50 {m.P50Ms:0.00} ms, p99 {m.P99Ms:0.00} ms; client CPU {m.ClientCpuUs:0} µs/append)");
            summary.Add($"Append, {writers} writers, 1 event/tx", m.PerSecond, "appends/s");
            // What the appends left for autovacuum (the streams' updated rows, the new events) is done now, untimed,
            // rather than in pgbench's time.
            await BenchServer.ExecuteAsync(db, "vacuum");

            Console.WriteLine($"pgbench: one-row insert per transaction, {writers} clients, {warmup} s warm-up + {seconds} s");
            var payload = types.Serialize(BenchEvents.Earned("guest-0-0000", 0));
            if (await PgBench.OneRowInsertAsync(db, payload, writers, seconds, warmup) is not { } pgbench)
            {
                summary.Missing("Append / pgbench ratio", "no pgbench");
                return;
            }
            Console.WriteLine($"  {pgbench.Tps:N0} tps (latency average {pgbench.LatencyMs:0.00} ms); {pgbench.Command}");
            summary.Add($"pgbench one-row insert, {writers} clients", pgbench.Tps, "tps");
            summary.Add("Append / pgbench ratio", m.PerSecond / pgbench.Tps, "", AppendToPgBenchTarget, "0.00");

            Console.WriteLine($"The same insert through Npgsql: {writers} writers, {warmup} s warm-up + {seconds} s");
            await NpgsqlOneRowInsert.RunAsync(dataSource, payload, writers, TimeSpan.FromSeconds(warmup));
            await BenchServer.TryExecuteAsync(db, "checkpoint");
            var (inserts, insertCpu) = await NpgsqlOneRowInsert.RunAsync(dataSource, payload, writers, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"  {inserts:N0}/s (client CPU {insertCpu:0} µs/insert)");
            summary.Add($"Npgsql one-row insert, {writers} writers", inserts, "inserts/s");
            summary.Add("Npgsql one-row insert / pgbench ratio", inserts / pgbench.Tps, "", format: "0.00");

            Console.WriteLine($"pgbench running the append's own SQL (server alone): {writers} clients, {warmup} s warm-up + {seconds} s");
            if (await PgBench.AppendSqlAsync(db, payload, writers, seconds, warmup) is { } appendSql)
            {
                Console.WriteLine($"  {appendSql.Tps:N0} tps (latency average {appendSql.LatencyMs:0.00} ms); {appendSql.Command}");
                summary.Add($"pgbench running the append's SQL, {writers} clients", appendSql.Tps, "tps");
                summary.Add("Append's SQL / one-row insert, both by pgbench", appendSql.Tps / pgbench.Tps, "", format: "0.00");
            }
        }
    }

    static async Task RebuildAsync(BenchServer server, BenchArgs args, Summary summary)
    {
        var (events, streams) = (args.Int("events", 1_000_000), args.Int("streams", 100_000));
        var (batchSize, pageSize) = (args.Int("batch", 5_000), args.Int("page", 10_000));
        var types = BenchEvents.Types();
        var db = await server.CreateLedgerDatabaseAsync("rebuild");
        await StreamBalanceProjection.CreateTableAsync(db);
        await using var dataSource = NpgsqlDataSource.Create(LedgerConnectionString(db, args));
        var projection = new StreamBalanceProjection();
        await using var runner = new ProjectionRunner(projection, dataSource, types,
            new ProjectionRunnerOptions { BatchSize = batchSize }, NullLogger.Instance, TimeProvider.System);
        // The projection has run before, as in production (and a rebuild of one that never ran fails: see docs).
        await runner.CatchUpAsync();

        Console.WriteLine($"Bulk-loading {events:N0} events over {streams:N0} streams (binary COPY)");
        var loaded = await BulkLoad.LoadAsync(dataSource, types, events, streams);
        Console.WriteLine($"  loaded and vacuumed in {loaded.TotalSeconds:0.0} s");

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
        var reading = clock.Elapsed;
        Console.WriteLine($"  {read:N0} events in {reading.TotalSeconds:0.00} s = {read / reading.TotalSeconds:N0}/s");
        summary.Add($"Global log read, page {pageSize:N0}", read / reading.TotalSeconds, "events/s");
    }

    /// <summary>
    /// The ledger's side (never pgbench's) connects as the service host does (Api/Hosting/LedgerDatabase.cs): Max Auto
    /// Prepare=64, and No Reset On Close, so a pooled connection is not reset (RESET ALL, DISCARD SEQUENCES, unlock
    /// all...) before its next command. --npgsql "..." replaces both, e.g. "Max Auto Prepare=0" for unprepared.
    /// Persist Security Info keeps a password in DataSource.ConnectionString, from which ProjectionRunner builds its
    /// own connections; without it the runner cannot log in to a server that wants a password (docs/benchmarks.md).
    /// </summary>
    static string LedgerConnectionString(string connectionString, BenchArgs args) =>
        $"{connectionString};{args.Text("npgsql", DefaultNpgsql)};Persist Security Info=true";

    public const string DefaultNpgsql = "Max Auto Prepare=64;No Reset On Close=true";
}
