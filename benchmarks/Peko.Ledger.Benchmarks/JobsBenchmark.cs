using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Jobs;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.ReadModels;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Issue 5's figures: a generated chain of 1,000,000 memberships and 5,000,000 lots, bulk-loaded into the read models
/// (not via HTTP); the nightly tier recompute and points expiry, each timed, with the share of members or lots that
/// got an event. Target: each under 60 s.
/// </summary>
static class JobsBenchmark
{
    const string ChainId = "bench-chain";

    public static async Task<bool> RunAsync(BenchArgs args)
    {
        var (members, lots) = (args.Int("members", 1_000_000), args.Int("lots", 5_000_000));
        var (dueShare, silverShare) = (args.Int("due-percent", 10), args.Int("silver-percent", 20));
        var summary = new Summary($"Nightly jobs over {members:N0} memberships and {lots:N0} lots");
        await using var server = await BenchServer.StartAsync();
        summary.Fact(await server.DescribeAsync());
        var connectionString = new NpgsqlConnectionStringBuilder(await server.CreateLedgerDatabaseAsync("jobs")) { MaxAutoPrepare = 64 }.ConnectionString;
        var types = new EventTypeRegistry().RegisterLedgerEvents();
        var programme = JsonSerializer.Serialize(Programme.Default, types.SerializerOptions);

        Console.WriteLine($"Bulk-loading {members:N0} memberships, {lots:N0} lots and their spend...");
        var load = Stopwatch.StartNew();
        await BenchServer.ExecuteAsync(connectionString, $$"""
            insert into ledger.chains values ('{{ChainId}}', 'Bench', 'VND', 'Asia/Ho_Chi_Minh', 'VN', '{{programme}}'::jsonb, 1, now());
            insert into ledger.restaurants select '{{ChainId}}', 'r' || r, 'Restaurant ' || r, 'kiotviet' from generate_series(1, 20) r;
            insert into ledger.guests (guest_id, chain_id, created_at) select 'g' || i, '{{ChainId}}', now() - interval '2 years' from generate_series(1, {{members}}) i;
            insert into ledger.memberships (guest_id, chain_id) select 'g' || i, '{{ChainId}}' from generate_series(1, {{members}}) i;
            insert into ledger.guest_points (guest_id, chain_id) select 'g' || i, '{{ChainId}}' from generate_series(1, {{members}}) i;
            -- Lot i belongs to guest i mod members; {{dueShare}}% of them are due today, the rest next year.
            insert into ledger.points_lots (lot_id, chain_id, guest_id, restaurant_id, order_id, points, remaining, earned_at,
                                            spendable_from, expires_on, point_value)
            select 'l' || i, '{{ChainId}}', 'g' || (i % {{members}} + 1), 'r' || (i % 20 + 1), 'o' || i, 100, 40 + i % 60,
                   now() - interval '23 months', now() - interval '23 months',
                   case when i % 100 < {{dueShare}} then current_date - (i % 3) else current_date + 365 end, 1000
            from generate_series(1, {{lots}}) i;
            -- One order per lot; {{silverShare}}% of members spend enough for Silver (5,000,000 VND) in the window.
            insert into ledger.guest_spend (guest_id, restaurant_id, order_id, chain_id, occurred_at, amount)
            select 'g' || (i % {{members}} + 1), 'r' || (i % 20 + 1), 'o' || i, '{{ChainId}}', now() - interval '30 days',
                   case when (i % {{members}}) % 100 < {{silverShare}} then 1200000 else 150000 end
            from generate_series(1, {{lots}}) i;
            """);
        foreach (var table in new[] { "guests", "memberships", "points_lots", "guest_spend" })
            await BenchServer.ExecuteAsync(connectionString, $"vacuum (analyze) ledger.{table}");
        await BenchServer.TryExecuteAsync(connectionString, "checkpoint");
        Console.WriteLine($"  loaded in {load.Elapsed.TotalSeconds:N0} s");

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new LedgerStore(dataSource, types, new LedgerStoreOptions().Inline(new PointsReadModel()).Inline(new MembershipReadModel()),
            TimeProvider.System);
        var chain = await new ChainDirectory(dataSource, types).GetAsync(ChainId, default);
        var today = chain.LocalDate(DateTimeOffset.UtcNow);
        var jobs = new LedgerJobs(store) { AfterBatch = done => { if (done % 50_000 == 0) Console.Write($"\r  {done:N0} guests"); } };

        Console.WriteLine("Tier recompute...");
        var clock = Stopwatch.StartNew();
        var tiers = await jobs.RecomputeTiersAsync(chain, today, default);
        var tierSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"\r  {tiers.EventsWritten:N0} tier changes in {tierSeconds:N1} s");

        Console.WriteLine("Points expiry...");
        clock.Restart();
        var expiry = await jobs.ExpirePointsAsync(chain, today, default);
        var expirySeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"\r  {expiry.EventsWritten:N0} lots expired in {expirySeconds:N1} s");

        summary.Add("tier recompute", tierSeconds, "s", format: "N1", below: 60);
        summary.Add("  tier changes written", tiers.EventsWritten, $"({100.0 * tiers.EventsWritten / members:N0} % of members)");
        summary.Add("points expiry", expirySeconds, "s", format: "N1", below: 60);
        summary.Add("  lots expired", expiry.EventsWritten, $"({100.0 * expiry.EventsWritten / lots:N0} % of lots)");
        summary.Add("events written per second", (tiers.EventsWritten + expiry.EventsWritten) / (tierSeconds + expirySeconds), "/s");
        summary.Print();
        return summary.AllPassed;
    }
}
