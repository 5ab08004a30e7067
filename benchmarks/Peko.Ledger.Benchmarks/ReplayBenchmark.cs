using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Audit;
using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.EventStore.ReadModels;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// <c>replay</c>: rebuild and replay-and-verify through the service's real read models, over a history the pure domain
/// decided (issue 7): the inline projections rebuilt from zero, the async accounting projection rebuilt, then
/// <see cref="ReplayVerifier"/> over the chain, which must come out clean. See docs/benchmarks.md.
/// </summary>
static class ReplayBenchmark
{
    const double Target = 100_000;

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (events, guests, seed) = (args.Int("events", 1_000_000), args.Int("guests", 50_000), args.Int("seed", 1));
        var summary = new Summary("Peko Ledger replay benchmark");
        Console.WriteLine("Starting PostgreSQL");
        await using var server = await BenchServer.StartAsync();
        summary.Fact($"Machine: {Environment.ProcessorCount} cores; server: {await server.DescribeAsync()}; {server.Origin}");
        // --database NAME (PEKO_BENCH_POSTGRES only): reuse that database when an earlier run loaded it, else load it
        // and keep it. For profiling the rebuilds without generating the history each time.
        var kept = args.Text("database", "");
        var db = kept == "" ? await server.CreateLedgerDatabaseAsync("replay") : await KeptDatabaseAsync(server, kept);
        // As the service connects (Max Auto Prepare=64, No Reset On Close); --npgsql "..." replaces that, as in 'eventstore'.
        var npgsql = args.Text("npgsql", EventStoreBenchmark.DefaultNpgsql);
        summary.Fact($"Ledger side connects with: {npgsql}");
        await using var dataSource = NpgsqlDataSource.Create($"{db};{npgsql};Persist Security Info=true");
        var types = new EventTypeRegistry().RegisterLedgerEvents();
        var options = ServiceProjections();

        ReplayTables.DomainFigures? domain = null;
        long logEvents;
        if (await EventsAsync(dataSource) is > 0 and var existing)
        {
            Console.WriteLine($"Reusing the {existing:N0} events of database {kept} (no domain check)");
            logEvents = existing;
        }
        else
        {
            (logEvents, domain) = await GenerateAndLoadAsync(dataSource, types, summary, events, guests, seed);
        }
        // The generator's folded guests (about 1 GiB at 1,000,000 events) are gone before the timed phases (only their
        // figures are kept for the check): the service's process holds no such thing while it rebuilds.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        // --warm-up N (100,000 by default; 0 for none): the service runs for weeks, its code compiled and optimized by
        // the time an operator rebuilds; this process has just started, and the runtime compiles a method's optimized
        // code only once it has been called often, in the background. So the phases run once first over a smaller
        // history of their own. Each phase prints the compiling still done while it ran (about 2 s of a cold
        // rebuild's CPU, 0.8 s after this warm-up: docs/benchmarks.md).
        var warmUp = args.Int("warm-up", 100_000);
        if (warmUp > 0)
        {
            var clock0 = Stopwatch.StartNew();
            await WarmUpAsync(server, types, warmUp);
            var settled = await CompilerIdleAsync();
            Console.WriteLine($"Warmed up over {warmUp:N0} events of a database of their own ({clock0.Elapsed.TotalSeconds:0.0} s, " +
                              $"of which {settled.TotalSeconds:0.0} s waiting for the compiler to go idle; not timed)");
            summary.Fact($"Warm-up: the phases ran once over {warmUp:N0} events of another database first (--warm-up 0: none)");
        }
        var cpu = new PhaseCpu(server.DataDirectory);
        // --phases inline,accounting,replay (all by default): run only some, e.g. to profile one on a kept database.
        var phases = args.Text("phases", "inline,accounting,replay").Split(',', StringSplitOptions.TrimEntries);
        foreach (var unknown in phases.Except(["inline", "accounting", "replay"]))
            throw new ArgumentException($"Unknown phase '{unknown}': expected inline, accounting or replay.");

        // --row-limit: the rows a replay folds in memory before writing them out (the service's default otherwise).
        var rowLimit = args.Int("row-limit", ProjectionContext.DefaultRowLimit);
        summary.Fact($"Row limit of the rebuild and the replay: {rowLimit:N0} rows");
        var clock = new Stopwatch();
        if (phases.Contains("inline"))
        {
            // Each timed phase starts after a checkpoint, so none pays for the dirty pages and WAL the one before left.
            await Checkpoint(db);
            Console.WriteLine("Rebuilding the inline projections from zero (InlineRebuild)");
            var inline = new InlineRebuild(dataSource, types, options, NullLogger<InlineRebuild>.Instance) { RowLimit = rowLimit };
            clock.Restart();
            var rebuilt = await inline.RebuildAsync(Progress(clock));
            Report(summary, "Rebuild, inline projections", rebuilt, logEvents, clock.Elapsed);
            cpu.Print();
        }

        if (phases.Contains("accounting"))
        {
            await SettleAsync(db, options);
            Console.WriteLine("Rebuilding the async accounting projection (ProjectionRunner.RebuildAsync)");
            await using (var runner = new ProjectionRunner(options.AsyncProjections.Single(), dataSource, types,
                             new ProjectionRunnerOptions(), NullLogger.Instance, TimeProvider.System))
            {
                clock.Restart();
                var applied = await runner.RebuildAsync();
                Console.WriteLine($"  {applied:N0} of the log's events are accounting's types");
                // The rebuild must get through the whole log, so its rate is over the log's events.
                Report(summary, "Rebuild, accounting (log events/s)", logEvents, logEvents, clock.Elapsed);
                cpu.Print();
            }
        }

        await ReplayTables.PrintRowsAsync(dataSource, options);
        if (domain is not null && await ReplayTables.DomainMismatchAsync(dataSource, domain) is { } mismatch)
            summary.Missing("Read models against the domain's own figures", mismatch);

        if (!phases.Contains("replay"))
        {
            summary.Add("Peak working set of this process", Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), "MiB");
            summary.Print();
            return summary.AllPassed;
        }
        await SettleAsync(db, options);
        Console.WriteLine($"Replay and verify of chain {ReplayHistory.ChainId} (ReplayVerifier)");
        clock.Restart();
        var report = await new ReplayVerifier(dataSource, types, options) { RowLimit = rowLimit }.VerifyAsync(ReplayHistory.ChainId, Progress(clock));
        var replay = clock.Elapsed;
        cpu.Print();
        Console.WriteLine($"  {report.EventsReplayed:N0} events in {replay.TotalSeconds:0.0} s; clean {report.Clean}");
        if (!report.Clean)
        {
            ReplayTables.PrintDifferences(report);
            summary.Missing("Replay and verify", $"{report.Differences:N0} differences");
        }
        else Report(summary, "Replay and verify (clean)", report.EventsReplayed, logEvents, replay);

        summary.Add("Peak working set of this process", Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), "MiB");
        summary.Print();
        return summary.AllPassed;
    }

    static Task Checkpoint(string db) => BenchServer.TryExecuteAsync(db, "checkpoint");

    /// <summary>
    /// Before a phase that follows a rebuild: the vacuum autovacuum would run on the rows the rebuild wrote (about
    /// 30 s of it after a 1,000,000-event rebuild, starting within a minute), run now rather than in the middle of the
    /// next timed phase, then a checkpoint. Not timed.
    /// </summary>
    static async Task SettleAsync(string db, LedgerStoreOptions options)
    {
        var clock = Stopwatch.StartNew();
        var tables = options.InlineProjections.Concat(options.AsyncProjections).SelectMany(p => p.Tables)
            .Distinct(StringComparer.Ordinal).Select(t => "ledger." + t);
        await BenchServer.TryExecuteAsync(db, $"vacuum (analyze) {string.Join(", ", tables)}");
        await Checkpoint(db);
        Console.WriteLine($"  (vacuumed the read models the phase before wrote, and checkpointed: {clock.Elapsed.TotalSeconds:0.0} s, not timed)");
    }

    static async Task<(long Events, ReplayTables.DomainFigures Domain)> GenerateAndLoadAsync(NpgsqlDataSource dataSource,
        EventTypeRegistry types, Summary summary, int events, int guests, int seed)
    {
        Console.WriteLine($"Generating {events:N0} events over {guests:N0} guests (seed {seed}) and bulk-loading them");
        var history = new ReplayHistory(events, guests, seed);
        var loaded = await HistoryLoad.LoadAsync(dataSource, types, ReplayHistory.ChainId, history.Commands());
        Console.WriteLine($"  {loaded.Events:N0} events in {loaded.Streams:N0} streams, {history.GuestsRegistered:N0} guests, " +
                          $"{history.Visits:N0} visits; {loaded.Elapsed.TotalSeconds:0.0} s (generating {loaded.Generating.TotalSeconds:0.0} s)");
        foreach (var (type, count) in loaded.ByType.OrderByDescending(t => t.Value)) Console.WriteLine($"    {type,-28} {count,10:N0}");
        summary.Add($"Generate + bulk load of {loaded.Events:N0} events (not a target)", loaded.Events / loaded.Elapsed.TotalSeconds, "events/s");
        return (loaded.Events, ReplayTables.DomainFigures.Of(history));
    }

    /// <summary>The three phases over a small history of their own: the code they run is compiled and optimized.</summary>
    static async Task WarmUpAsync(BenchServer server, EventTypeRegistry types, int events)
    {
        var db = await server.CreateLedgerDatabaseAsync("replay_warm_up");
        await using var dataSource = NpgsqlDataSource.Create($"{db};{EventStoreBenchmark.DefaultNpgsql}");
        var options = ServiceProjections();
        await HistoryLoad.LoadAsync(dataSource, types, ReplayHistory.ChainId,
            new ReplayHistory(events, Math.Max(100, events / 20), seed: 2).Commands());
        await new InlineRebuild(dataSource, types, options, NullLogger<InlineRebuild>.Instance).RebuildAsync();
        await using (var runner = new ProjectionRunner(options.AsyncProjections.Single(), dataSource, types,
                         new ProjectionRunnerOptions(), NullLogger.Instance, TimeProvider.System))
            await runner.RebuildAsync();
        var report = await new ReplayVerifier(dataSource, types, options).VerifyAsync(ReplayHistory.ChainId);
        if (!report.Clean) throw new InvalidOperationException($"The warm-up's replay found {report.Differences} differences.");
    }

    /// <summary>
    /// Waits (at most 20 s) until the runtime has compiled nothing for half a second: it optimizes a hot method's code
    /// in the background, after the calls that made it hot, so the warm-up's last methods may still be in its queue.
    /// </summary>
    static async Task<TimeSpan> CompilerIdleAsync()
    {
        var clock = Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(500);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled) break;
            compiled = now;
        }
        return clock.Elapsed;
    }

    static async Task<string> KeptDatabaseAsync(BenchServer server, string name)
    {
        var connectionString = server.ExistingDatabase(name);
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = $1", admin);
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
                await BenchServer.ExecuteAsync(server.AdminConnectionString, $"create database {name}");
        }
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource).MigrateAsync(); // a kept database gets the schema's later versions too
        return connectionString;
    }

    static async Task<long> EventsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("select count(*) from ledger.events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>CPU seconds of this process and of the PostgreSQL cluster (when it runs here) since the last phase.</summary>
    sealed class PhaseCpu
    {
        readonly int? _postmaster;
        double _self, _server;
        TimeSpan _paused, _jit;
        long _allocated;
        int[] _collections = Collections();

        static int[] Collections() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        public PhaseCpu(string? dataDirectory)
        {
            _postmaster = ProcessCpu.Postmaster(dataDirectory);
            (_self, _server, _paused, _allocated, _jit) = Now();
        }

        (double Self, double Server, TimeSpan Paused, long Allocated, TimeSpan Jit) Now() =>
            (ProcessCpu.Seconds(Environment.ProcessId), _postmaster is { } pm ? ProcessCpu.ClusterSeconds(pm) : 0,
             GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(), System.Runtime.JitInfo.GetCompilationTime());

        public void Print()
        {
            var (self, server, paused, allocated, jit) = Now();
            Console.WriteLine($"  CPU: this process {self - _self:0.0} s, PostgreSQL " +
                              (_postmaster is null ? "unknown (set PEKO_BENCH_POSTGRES_DATA)" : $"{server - _server:0.0} s") +
                              $"; garbage collector: paused {(paused - _paused).TotalSeconds:0.0} s, " +
                              $"{(allocated - _allocated) / (1024.0 * 1024 * 1024):0.0} GiB allocated, " +
                              $"collections {string.Join("/", Collections().Zip(_collections, (now, then) => now - then))} (gen 0/1/2); " +
                              $"compiling code (JIT) {(jit - _jit).TotalSeconds:0.00} s");
            (_self, _server, _paused, _allocated, _jit) = (self, server, paused, allocated, jit);
            _collections = Collections();
        }
    }

    /// <summary>The read models exactly as the service wires them (Api/Hosting/LedgerStoreSetup.cs): keep the two alike.</summary>
    static LedgerStoreOptions ServiceProjections() => new LedgerStoreOptions()
        .Inline(new ChainReadModel(new JsonSerializerOptions(JsonSerializerDefaults.Web)))
        .Inline(new GuestReadModel())
        .Inline(new PointsReadModel())
        .Inline(new MembershipReadModel())
        .Async(new AccountingReadModel());

    static void Report(Summary summary, string figure, long replayed, long expected, TimeSpan elapsed)
    {
        Console.WriteLine($"  {replayed:N0} events in {elapsed.TotalSeconds:0.0} s = {replayed / elapsed.TotalSeconds:N0}/s");
        if (replayed != expected) summary.Missing(figure, $"{replayed:N0} events replayed, {expected:N0} in the log");
        else summary.Add(figure, replayed / elapsed.TotalSeconds, "events/s", Target);
    }

    /// <summary>A line about every tenth of the way: where the time goes as the tables grow.</summary>
    static Func<long, long, ValueTask> Progress(Stopwatch clock)
    {
        var next = 0L;
        return (done, total) =>
        {
            if (done < next || total == 0) return ValueTask.CompletedTask;
            Console.WriteLine($"    {done,10:N0} / {total:N0} events, {clock.Elapsed.TotalSeconds,6:0.0} s, " +
                              $"{(clock.Elapsed.TotalSeconds > 0 ? done / clock.Elapsed.TotalSeconds : 0),8:N0}/s");
            next = done + Math.Max(1, total / 10);
            return ValueTask.CompletedTask;
        };
    }
}
