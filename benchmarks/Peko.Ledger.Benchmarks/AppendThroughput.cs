using System.Diagnostics;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Concurrent writers, each appending one event per transaction to streams of its own through the store's quick path
/// (one stream, no inline projection), expecting the version it last wrote: no conflicts, as with one terminal per guest.
/// The counter's earn does more per request (idempotency, several streams), so this is the store's ceiling for it.
/// </summary>
sealed class AppendThroughput(LedgerStore store, int writers, int streamsPerWriter)
{
    readonly Writer[] _writers = [.. Enumerable.Range(0, writers).Select(w => new Writer(w, streamsPerWriter))];

    public async Task<Measured> RunAsync(TimeSpan duration)
    {
        foreach (var w in _writers) w.Latencies.Clear();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(_writers.Select(w => Task.Run(() => w.RunAsync(store, clock, duration))));
        var elapsed = clock.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var latencies = _writers.SelectMany(w => w.Latencies).Order().ToArray();
        return new Measured(counts.Sum(), elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            cpu.TotalMicroseconds / Math.Max(1, counts.Sum()));
    }

    static double Percentile(long[] sortedTicks, double p) => sortedTicks.Length == 0
        ? 0
        : sortedTicks[(int)Math.Min(sortedTicks.Length - 1, sortedTicks.Length * p)] * 1000.0 / Stopwatch.Frequency;

    /// <summary>What one run did; <paramref name="ClientCpuUs"/> is this process's CPU time per append.</summary>
    public sealed record Measured(long Appends, TimeSpan Elapsed, double P50Ms, double P99Ms, double ClientCpuUs)
    {
        public double PerSecond => Appends / Elapsed.TotalSeconds;
    }

    sealed class Writer(int id, int streams)
    {
        readonly long[] _versions = new long[streams];
        long _next;

        public List<long> Latencies { get; } = new(100_000);

        public async Task<long> RunAsync(LedgerStore store, Stopwatch clock, TimeSpan duration)
        {
            long appends = 0;
            while (clock.Elapsed < duration)
            {
                var s = (int)(_next % streams);
                var guest = $"guest-{id}-{s:0000}";
                var append = new StreamAppend($"points-{guest}", BenchEvents.Kind,
                    ExpectedVersion.Exactly(_versions[s]), BenchEvents.Earned(guest, _next));
                var started = Stopwatch.GetTimestamp();
                await store.AppendAsync(BenchEvents.Chain, append);
                Latencies.Add(Stopwatch.GetTimestamp() - started);
                _versions[s]++;
                _next++;
                appends++;
            }
            return appends;
        }
    }
}
