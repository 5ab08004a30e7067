using System.Diagnostics;
using Npgsql;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Issue 4's figure: resolving a till's identifiers to guests stays an index lookup as the chain grows. 1,000,000 guests
/// with a phone each (and every tenth an email) are bulk-loaded, then the counter's own first round trip
/// (<see cref="GuestResolver.LockAndFindAllAsync"/>: the identifiers' locks and their holders, in a transaction planned
/// generically as at the till) runs for random guests from several clients; p99 must stay under 2 ms.
/// </summary>
static class IdentityBenchmark
{
    const string Chain = "bench-chain";

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (guests, clients, lookups) = (args.Int("guests", 1_000_000), args.Int("clients", 2), args.Int("lookups", 20_000));
        var summary = new Summary($"Identifier resolution at {guests:N0} guests");
        await using var server = await BenchServer.StartAsync();
        summary.Fact(await server.DescribeAsync());
        var connectionString = new NpgsqlConnectionStringBuilder(await server.CreateLedgerDatabaseAsync("identity")) { MaxAutoPrepare = 64 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        Console.WriteLine($"Bulk-loading {guests:N0} guests with their identifiers...");
        var load = Stopwatch.StartNew();
        await BenchServer.ExecuteAsync(connectionString, $"""
            insert into ledger.guests (guest_id, chain_id, created_at)
            select 'gst_' || i, '{Chain}', now() - (i || ' seconds')::interval from generate_series(1, {guests}) i;
            insert into ledger.guest_identifiers (chain_id, kind, value, guest_id)
            select '{Chain}', 'Phone', '+8490' || lpad(i::text, 7, '0'), 'gst_' || i from generate_series(1, {guests}) i;
            insert into ledger.guest_identifiers (chain_id, kind, value, guest_id)
            select '{Chain}', 'Email', 'guest' || i || '@example.com', 'gst_' || i from generate_series(1, {guests}, 10) i;
            """);
        await BenchServer.ExecuteAsync(connectionString, "vacuum (analyze) ledger.guests");
        await BenchServer.ExecuteAsync(connectionString, "vacuum (analyze) ledger.guest_identifiers");
        Console.WriteLine($"  loaded in {load.Elapsed.TotalSeconds:N1} s");

        var latencies = new List<double>[clients];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var random = new Random(c);
            while (Interlocked.Increment(ref next) < lookups)
            {
                var i = random.Next(1, guests + 1);
                GuestIdentifier[] ids = i % 10 == 1
                    ? [GuestIdentifier.Phone($"090{i:D7}", "VN"), GuestIdentifier.Email($"guest{i}@example.com")]
                    : [GuestIdentifier.Phone($"090{i:D7}", "VN")];
                // The till's first round trip (CounterService): the plan setting and the identifiers' locks, then their holders.
                await using var work = await UnitOfWork.BeginAsync(dataSource, default, genericPlans: true);
                var started = Stopwatch.GetTimestamp();
                var found = (await GuestResolver.LockAndFindAllAsync(work, Chain, ids, default)).Guests;
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (found.Count != 1 || found[0] != $"gst_{i}") throw new InvalidOperationException($"guest {i} resolved to {string.Join(',', found)}");
            }
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double p) => all[(int)Math.Min(all.Length - 1, p * all.Length)];

        summary.Add("resolutions", all.Length / clock.Elapsed.TotalSeconds, "/s");
        summary.Add("resolution p50", P(0.50), "ms", format: "N2");
        summary.Add("resolution p99", P(0.99), "ms", format: "N2", below: 2);
        summary.Fact($"{clients} clients, {all.Length:N0} resolutions; each timed from sending the till's first batch (locks, holders) to its rows, planned generically as at the till");
        summary.Fact("generic plan: " + await PlanAsync(connectionString));
        summary.Print();
        return summary.AllPassed;
    }

    static async Task<string> PlanAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // The generic plan, which the till uses (UnitOfWork's genericPlans): made without the arrays' lengths.
        await using (var prepare = new NpgsqlCommand($"""
            set plan_cache_mode = force_generic_plan;
            prepare holders(text, text[], text[]) as {GuestResolver.HoldersSql}
            """, connection)) await prepare.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand(
            $"explain execute holders('{Chain}', array['Phone'], array['+84900000042'])", connection);
        await using var reader = await explain.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0).Trim());
        return string.Join(" / ", lines.Where(l => l.Contains("Index", StringComparison.Ordinal) || l.Contains("Seq Scan", StringComparison.Ordinal)));
    }
}
