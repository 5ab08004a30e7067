using System.Diagnostics;
using System.Net.Http.Json;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// A regular's earn as their history grows. A counter command reads and folds the guest's whole points and membership
/// streams, so its cost grows with every earn the guest ever made. One till posts earns for one guest, one after
/// another, and the benchmark prints the latency and the CPU of an earn at each size of history, and the redeem's and
/// the lookup's at the end. No target: it measures what the counter benchmark's guests (a few earns each) do not.
/// </summary>
static class RegularsBenchmark
{
    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (earns, window, guests) = (args.Int("earns", 2_000), args.Int("window", 50), args.Int("guests", 2_000));
        if (earns < window || window < 1) throw new ArgumentException("--earns must be at least --window, and --window at least 1.");
        var summary = new Summary($"A regular's earn as their history grows: one guest, {earns:N0} earns in a row");
        await using var server = await BenchServer.StartAsync();
        summary.Fact(await server.DescribeAsync());

        var db = await server.CreateLedgerDatabaseAsync("regulars");
        await using (var service = await LedgerService.StartAsync(db))
        {
            var tills = await CounterBenchmark.SetUpChainAsync(service, restaurants: 5);
            // Other guests first, then untimed returning earns, so that the runtime has compiled the earn path and the
            // tables have statistics (as the counter benchmark does) before the regular's first earn.
            Console.WriteLine($"Registering {guests:N0} other guests, then 5 s of their earns, untimed...");
            await CounterBenchmark.LoadAsync(tills, 4, guests, TimeSpan.MaxValue, (till, i) => CounterBenchmark.Earn(till, 1 + i, $"seed-{i}"));
            await BenchServer.ExecuteAsync(db, "vacuum analyze");
            await CounterBenchmark.LoadAsync(tills, 4, int.MaxValue, TimeSpan.FromSeconds(5),
                (till, i) => CounterBenchmark.Earn(till, 1 + Random.Shared.Next(guests), $"warm-{i}"));
            // The async projections (accounting) work through those earns afterwards, on the same cores: not timed.
            using (var admin = CounterBenchmark.Client(service, service.AdminKey))
                await CaughtUpAsync(admin);
            var postmaster = ProcessCpu.Postmaster(server.DataDirectory);
            (double Service, double Postgres) Cpu() =>
                (ProcessCpu.Seconds(service.ProcessId), postmaster is { } pm ? ProcessCpu.ClusterSeconds(pm) : double.NaN);

            // A figure for the window of earns ending at each of these sizes of history.
            var reportAt = new[] { 100, 250, 500, 1_000, 2_000, 5_000, 10_000 }.Where(n => n >= window && n < earns).Append(earns)
                .ToList();
            var cpuAtStart = new Dictionary<int, (double Service, double Postgres)>();
            var latencies = new List<double>(earns);
            Console.WriteLine($"Earning {earns:N0} times for one guest, one request at a time...");
            for (var i = 0; i < earns; i++)
            {
                foreach (var n in reportAt.Where(n => n - window == i)) cpuAtStart[n] = Cpu();
                latencies.Add(await TimedAsync(() => CounterBenchmark.Earn(tills[i % tills.Count], guest: 0, $"regular-{i}")));
                if (!reportAt.Contains(i + 1)) continue;
                var (serviceCpu, postgresCpu) = Cpu();
                var cpu = $"service {(serviceCpu - cpuAtStart[i + 1].Service) * 1e6 / window:N0} µs, PostgreSQL {(postgresCpu - cpuAtStart[i + 1].Postgres) * 1e6 / window:N0} µs";
                var p50 = Median(latencies[^window..]);
                summary.Add($"earn p50, earns {i + 2 - window:N0}-{i + 1:N0}", p50, "ms", format: "N1");
                summary.Fact($"earns {i + 2 - window:N0}-{i + 1:N0}: CPU per earn: {cpu}");
                Console.WriteLine($"  {i + 1,6:N0} earns: p50 {p50:N1} ms; CPU per earn: {cpu}");
            }

            var redeems = new List<double>();
            for (var i = 0; i < window; i++)
                redeems.Add(await TimedAsync(() => tills[0].PostAsJsonAsync($"/v1/chains/{CounterBenchmark.Chain}/redeem", new
                {
                    restaurantId = "r1", orderId = $"regular-redeem-{i}", points = 1, guest = new { phone = CounterBenchmark.Phone(0) },
                })));
            summary.Add($"redeem p50, after {earns:N0} earns", Median(redeems), "ms", format: "N1");
            var lookups = new List<double>();
            for (var i = 0; i < window; i++)
                lookups.Add(await TimedAsync(() => tills[0].GetAsync($"/v1/chains/{CounterBenchmark.Chain}/lookup?phone={CounterBenchmark.Phone(0)}")));
            summary.Add($"lookup p50, after {earns:N0} earns", Median(lookups), "ms", format: "N1");
            summary.Fact($"each figure is the median of {window} requests in a row (--window); the till waits for each answer");
        }
        summary.Print();
        return summary.AllPassed;
    }

    static async Task CaughtUpAsync(HttpClient admin)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromMinutes(2); await Task.Delay(250))
        {
            var projections = await admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/v1/projections");
            if (projections!.All(p => p?["eventsBehind"]?.GetValue<long?>() is null or 0)) return;
        }
        throw new TimeoutException("The async projections did not catch up within 2 minutes.");
    }

    static async Task<double> TimedAsync(Func<Task<HttpResponseMessage>> call)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = CounterBenchmark.Check(await call());
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
