using System.Diagnostics;
using Npgsql;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// <c>audit</c>: tamper-evidence verify over a bulk-loaded log (issue 7): every event's hash recomputed and checked
/// against its stream's chain, then the chain's running hash against its checkpoints, sealing them on the first run.
/// See docs/benchmarks.md.
/// </summary>
static class AuditBenchmark
{
    const double VerifyTarget = 100_000;

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (events, streams) = (args.Int("events", 1_000_000), args.Int("streams", 100_000));
        var summary = new Summary("Peko Ledger audit benchmark");
        Console.WriteLine("Starting PostgreSQL");
        await using var server = await BenchServer.StartAsync();
        summary.Fact($"Machine: {Environment.ProcessorCount} cores; server: {await server.DescribeAsync()}; {server.Origin}");
        var db = await server.CreateLedgerDatabaseAsync("audit");
        await using var dataSource = NpgsqlDataSource.Create($"{db};{EventStoreBenchmark.DefaultNpgsql};Persist Security Info=true");

        Console.WriteLine($"Bulk-loading {events:N0} events over {streams:N0} streams, then chaining their hashes");
        var loaded = await BulkLoad.LoadAsync(dataSource, BenchEvents.Types(), events, streams);
        Console.WriteLine($"  loaded and hashed in {loaded.TotalSeconds:0.0} s");
        summary.Add("Bulk load + hash chaining (not a target)", events / loaded.TotalSeconds, "events/s");

        var verifier = new LedgerVerifier(dataSource, new AuditOptions(), TimeProvider.System);
        var postmaster = ProcessCpu.Postmaster(server.DataDirectory);
        foreach (var (label, seal) in new[] { ("Verify, first run (seals checkpoints)", true), ("Verify, again (checks them)", true) })
        {
            // Where the time went: this process (reading rows, hashing) or the server (scanning, sending).
            var (ownCpu, postgresCpu) = (Process.GetCurrentProcess().TotalProcessorTime, postmaster is { } pm ? ProcessCpu.ClusterSeconds(pm) : 0);
            var clock = Stopwatch.StartNew();
            var report = await verifier.VerifyAsync(BenchEvents.Chain, seal, CancellationToken.None);
            clock.Stop();
            ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpu;
            postgresCpu = postmaster is { } p ? ProcessCpu.ClusterSeconds(p) - postgresCpu : double.NaN;
            Console.WriteLine($"  {label}: {report.Events:N0} events in {report.Streams:N0} streams, {clock.Elapsed.TotalSeconds:0.0} s, " +
                              $"clean {report.Clean}, {report.CheckpointsChecked} checkpoints checked, {report.CheckpointsSealed} sealed; " +
                              $"CPU: this process {ownCpu.TotalSeconds:0.0} s, PostgreSQL {postgresCpu:0.0} s");
            if (!report.Clean || report.Events != events) summary.Missing(label, $"not clean ({report.Findings.Count} findings) or not every event");
            else summary.Add(label, report.Events / clock.Elapsed.TotalSeconds, "events/s", VerifyTarget);
        }
        summary.Add("Peak working set of this process", Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), "MiB");
        summary.Print();
        return summary.AllPassed;
    }
}
