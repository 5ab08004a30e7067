using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Issue 3's figures: earn over HTTP with 16 concurrent clients spread over 10,000 guests, as a ratio to pgbench's
/// built-in TPC-B-like tps on the same server in the same run (target at least 0.6), with p50/p99 latency; and the
/// lookup's p99.
/// </summary>
static class CounterBenchmark
{
    internal const string Chain = "bench-chain";

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (clients, guests, seconds) = (args.Int("clients", 16), args.Int("guests", 10_000), args.Int("seconds", 20));
        var warmUp = args.Int("warm-up", 10);
        var rounds = Math.Clamp(args.Int("rounds", 2), 1, seconds);
        var perRound = seconds / rounds;
        var summary = new Summary($"Counter over HTTP: {clients} clients, {guests:N0} guests");
        await using var server = await BenchServer.StartAsync();
        summary.Fact(await server.DescribeAsync());
        summary.Fact($"{Environment.ProcessorCount} cores; service, PostgreSQL and load generator share them");

        var db = await server.CreateLedgerDatabaseAsync("counter");
        await using (var service = await LedgerService.StartAsync(db))
        {
            var tills = await SetUpChainAsync(service, restaurants: 5);
            // TPC-B's tables, built before anything is timed (pgbench -i), in a database of their own.
            var tpcb = await PgBench.TpcbAsync(await server.CreateLedgerDatabaseAsync("tpcb"), scale: clients);
            Console.WriteLine($"Registering {guests:N0} guests (one earn each)...");
            var registered = await LoadAsync(tills, clients, guests, TimeSpan.MaxValue, (till, i) => Earn(till, i, $"seed-{i}"));
            Console.WriteLine($"  {registered.Count:N0} earns at {registered.Count / registered.Elapsed.TotalSeconds:N0}/s");

            // Registering runs the new-guest path only; a returning guest's earn (read and fold the streams) and the lookup
            // are other code, which the runtime would otherwise still be compiling and re-optimising while it is timed.
            // The database grew from empty to 10,000 guests in seconds, faster than autovacuum analyzes (it looks every
            // minute): plans made meanwhile believe the tables tiny (the accounting batches hashed every lot of the
            // chain). As autovacuum would within a minute, and as a running chain's tables are.
            await BenchServer.ExecuteAsync(db, "vacuum analyze");
            if (warmUp > 0)
            {
                Console.WriteLine($"Warm-up, untimed: {warmUp} s of returning guests' earns, {warmUp / 2} s of lookups...");
                await LoadAsync(tills, clients, int.MaxValue, TimeSpan.FromSeconds(warmUp),
                    (till, i) => Earn(till, Random.Shared.Next(guests), $"warm-{i}"));
                await LoadAsync(tills, clients, int.MaxValue, TimeSpan.FromSeconds(warmUp / 2),
                    (till, _) => till.GetAsync($"/v1/chains/{Chain}/lookup?phone={Phone(Random.Shared.Next(guests))}"));
            }

            // Earn and TPC-B alternate, round by round: this machine's speed drifts by a third within minutes, and a ratio
            // of two figures taken minutes apart measured the drift as much as the code. Each phase of a round starts
            // with an untimed 2 s (its tables back in the server's cache after the other's), then a checkpoint.
            const int PhaseWarmUp = 2;
            Console.WriteLine($"Earn and pgbench TPC-B, alternated: {rounds} rounds of {perRound} s each, {clients} clients...");
            var postmaster = ProcessCpu.Postmaster(server.DataDirectory);
            var (serviceCpu, postgresCpu, loadCpu) = (0.0, 0.0, 0.0);
            var earnMachine = MachineCpu.None;
            var earns = new List<Load>();
            var tpcbRuns = new List<PgBench.Result>();
            for (var round = 1; round <= rounds; round++)
            {
                await LoadAsync(tills, clients, int.MaxValue, TimeSpan.FromSeconds(PhaseWarmUp),
                    (till, i) => Earn(till, Random.Shared.Next(guests), $"bench-{round}-warm-{i}"));
                await BenchServer.TryExecuteAsync(db, "checkpoint");
                var cpuBefore = (Service: ProcessCpu.Seconds(service.ProcessId), Postgres: postmaster is { } pm ? ProcessCpu.ClusterSeconds(pm) : double.NaN,
                    Load: Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, Machine: ProcessCpu.Machine());
                var roundEarns = await LoadAsync(tills, clients, int.MaxValue, TimeSpan.FromSeconds(perRound),
                    (till, i) => Earn(till, Random.Shared.Next(guests), $"bench-{round}-{i}"));
                serviceCpu += ProcessCpu.Seconds(service.ProcessId) - cpuBefore.Service;
                postgresCpu += (postmaster is { } p ? ProcessCpu.ClusterSeconds(p) : double.NaN) - cpuBefore.Postgres;
                loadCpu += Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore.Load;
                if (ProcessCpu.MachineSince(cpuBefore.Machine) is { } machine) earnMachine += machine;
                earns.Add(roundEarns);
                var roundTps = roundEarns.Count / roundEarns.Elapsed.TotalSeconds;
                if (tpcb is null)
                {
                    Console.WriteLine($"  round {round}: earn {roundTps:N0} req/s");
                    continue;
                }
                // The service's async projections finish the round's events first, and what the round left for
                // autovacuum is done now, untimed, rather than during pgbench's run (pgbench's own tables likewise).
                await ProjectionsSettledAsync(db);
                await BenchServer.ExecuteAsync(db, "vacuum");
                var run = await tpcb.RunAsync(clients, perRound, PhaseWarmUp);
                tpcbRuns.Add(run);
                Console.WriteLine($"  round {round}: earn {roundTps:N0} req/s, pgbench TPC-B {run.Tps:N0} tps, ratio {roundTps / run.Tps:N2}");
            }
            var earn = Load.Combine(earns);
            // Where an earn's CPU goes: the two cores are the budget the ratio is about.
            var perEarn = 1e6 / earn.Count;
            summary.Fact($"CPU per earn: service {serviceCpu * perEarn:N0} µs, PostgreSQL {postgresCpu * perEarn:N0} µs, " +
                         $"load generator {loadCpu * perEarn:N0} µs");
            Console.WriteLine($"Lookup: {clients} clients for {seconds / 2} s...");
            var lookup = await LoadAsync(tills, clients, int.MaxValue, TimeSpan.FromSeconds(seconds / 2),
                (till, _) => till.GetAsync($"/v1/chains/{Chain}/lookup?phone={Phone(Random.Shared.Next(guests))}"));

            var earnTps = earn.Count / earn.Elapsed.TotalSeconds;
            // Every round lasts as long, so the rounds' mean is pgbench's rate over all of them.
            var pgbench = tpcbRuns.Count == 0 ? null : tpcbRuns[0] with { Tps = tpcbRuns.Average(r => r.Tps) };
            summary.Add("earn over HTTP", earnTps, "req/s");
            summary.Add("earn p50 latency", earn.Percentile(0.50), "ms", format: "N1");
            summary.Add("earn p99 latency", earn.Percentile(0.99), "ms", format: "N1");
            summary.Add("lookup p50 latency", lookup.Percentile(0.50), "ms", format: "N1");
            summary.Add("lookup p99 latency", lookup.Percentile(0.99), "ms", format: "N1");
            if (pgbench is null) summary.Missing("earn / pgbench TPC-B", "pgbench not installed");
            else
            {
                summary.Add("pgbench TPC-B-like", pgbench.Tps, "tps");
                summary.Add("earn / pgbench TPC-B", earnTps / pgbench.Tps, "x", atLeast: 0.6, format: "N2");
                summary.Fact($"{pgbench.Command}, {rounds} runs of {perRound} s, each after one of the earn's (2 s untimed first)");
                summary.Fact("rounds (earn / TPC-B): " + string.Join(", ", earns.Zip(tpcbRuns,
                    (e, t) => $"{e.Count / e.Elapsed.TotalSeconds:N0} / {t.Tps:N0} = {e.Count / e.Elapsed.TotalSeconds / t.Tps:N2}")));
                // Whether the earn is bound by CPU or by waiting: if it left cores idle that TPC-B kept busy, the ratio
                // would rise by that much at the same CPU per earn (an upper bound: more earns in flight share fewer
                // transactions, and each then costs more).
                var tpcbMachine = tpcbRuns.Aggregate(MachineCpu.None, (all, r) => r.Machine is { } m ? all + m : all);
                summary.Fact($"machine CPU, earn phases: {earnMachine}; TPC-B phases: {tpcbMachine}");
                if (earnMachine.BusyShare > 0 && tpcbMachine.BusyShare > 0)
                    summary.Fact($"ratio at the same CPU per earn with the cores as busy as TPC-B kept them: " +
                                 $"{earnTps / pgbench.Tps * tpcbMachine.BusyShare / earnMachine.BusyShare:N2}");
            }
            summary.Fact($"errors: earn {earn.Errors}, lookup {lookup.Errors}");
        }
        summary.Print();
        return summary.AllPassed;
    }

    /// <summary>
    /// Waits until the service's async projections have applied what was written: their checkpoints unchanged over a
    /// second (four of the runner's 250 ms polls). Gives up after a minute.
    /// </summary>
    static async Task ProjectionsSettledAsync(string db)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select coalesce(string_agg(name || ':' || seq, ',' order by name), '') from ledger.projection_checkpoints", connection);
        var (last, unchanged, clock) = ("", 0, Stopwatch.StartNew());
        while (unchanged < 4 && clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            var now = (string)(await command.ExecuteScalarAsync())!;
            unchanged = now == last ? unchanged + 1 : 0;
            last = now;
            await Task.Delay(250);
        }
    }

    internal static string Phone(int guest) => $"09{guest + 10_000_000:D8}";

    internal static Task<HttpResponseMessage> Earn(HttpClient till, int guest, string order) =>
        till.PostAsJsonAsync($"/v1/chains/{Chain}/earn", new
        {
            restaurantId = till.DefaultRequestHeaders.GetValues("X-Bench-Restaurant").First(), orderId = order,
            amount = 85_000 + guest % 50 * 10_000, guest = new { phone = Phone(guest) },
        });

    internal static async Task<List<HttpClient>> SetUpChainAsync(LedgerService service, int restaurants)
    {
        using var admin = Client(service, service.AdminKey);
        Check(await admin.PostAsJsonAsync("/v1/chains", new
        {
            chainId = Chain, name = "Benchmark chain", currency = "VND", timeZone = "Asia/Ho_Chi_Minh", defaultPhoneRegion = "VN",
            program = new
            {
                spendPerPoint = 10_000, pointValue = 1_000, pointsExpireAfterMonths = 24, pointsPendingDays = 0, tierWindowMonths = 12,
                tiers = new[] { new { name = "Bronze", minSpend = 0, earnMultiplier = 1.0 }, new { name = "Silver", minSpend = 5_000_000, earnMultiplier = 1.25 } },
            },
        }));
        var tills = new List<HttpClient>();
        for (var r = 1; r <= restaurants; r++)
        {
            Check(await admin.PostAsJsonAsync($"/v1/chains/{Chain}/restaurants", new { restaurantId = $"r{r}", name = $"Restaurant {r}", pos = "kiotviet" }));
            var issued = await Check(await admin.PostAsJsonAsync($"/v1/chains/{Chain}/api-keys", new { role = "counter", restaurantId = $"r{r}", label = "bench" }))
                .Content.ReadFromJsonAsync<JsonObject>();
            var till = Client(service, issued!["key"]!.GetValue<string>());
            till.DefaultRequestHeaders.Add("X-Bench-Restaurant", $"r{r}");
            tills.Add(till);
        }
        return tills;
    }

    internal sealed record Load(int Count, int Errors, TimeSpan Elapsed, double[] LatenciesMs)
    {
        public double Percentile(double p) => LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[(int)Math.Min(LatenciesMs.Length - 1, p * LatenciesMs.Length)];

        /// <summary>Several runs as one: their requests, errors and time added, their latencies merged.</summary>
        public static Load Combine(IReadOnlyList<Load> runs) => new(runs.Sum(r => r.Count), runs.Sum(r => r.Errors),
            TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), [.. runs.SelectMany(r => r.LatenciesMs).Order()]);
    }

    /// <summary>Runs <paramref name="call"/> from <paramref name="clients"/> concurrent loops until the count or time runs out.</summary>
    internal static async Task<Load> LoadAsync(List<HttpClient> tills, int clients, int total, TimeSpan duration,
        Func<HttpClient, int, Task<HttpResponseMessage>> call)
    {
        var next = -1;
        var errors = 0;
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            int i;
            while ((i = Interlocked.Increment(ref next)) < total && clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await call(tills[c % tills.Count], i);
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Load(all.Length, errors, clock.Elapsed, all);
    }

    internal static HttpClient Client(LedgerService service, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(service.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    internal static HttpResponseMessage Check(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? response
            : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} -> {(int)response.StatusCode} " +
                                                  response.Content.ReadAsStringAsync().Result);
}
