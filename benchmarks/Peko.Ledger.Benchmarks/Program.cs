using Peko.Ledger.Benchmarks;
using Peko.Ledger.EventStore;

// As the service runs (docs/architecture.md, "Socket threads"): socket completions inline, background work (rebuilds,
// jobs, audits, bulk loads) on the thread pool. The loops that play tills and writers start with Task.Run, on the
// default scheduler, so they run where their sockets complete, as the service's counter requests do.
SocketCompletions.PreferInline();

// One subcommand per benchmark, each in its own file:
//   dotnet run -c Release --project benchmarks/Peko.Ledger.Benchmarks -- <benchmark> [--option value ...]
// Exit code: 0 when every target is met, 1 when one is missed, 2 for a usage error.
var benchmarks = new Dictionary<string, Func<BenchArgs, Task<bool>>>(StringComparer.OrdinalIgnoreCase)
{
    ["eventstore"] = EventStoreBenchmark.RunAsync,
    ["counter"] = CounterBenchmark.RunAsync,
    ["identity"] = IdentityBenchmark.RunAsync,
    ["jobs"] = JobsBenchmark.RunAsync,
    ["audit"] = AuditBenchmark.RunAsync,
    ["migration"] = MigrationBenchmark.RunAsync,
    ["replay"] = ReplayBenchmark.RunAsync,
    ["regulars"] = RegularsBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Peko.Ledger.Benchmarks <{string.Join('|', benchmarks.Keys)}> [--option value ...]");
    return 2;
}
try
{
    return await BackgroundWork.Run(() => run(BenchArgs.Parse(args[1..]))) ? 0 : 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
