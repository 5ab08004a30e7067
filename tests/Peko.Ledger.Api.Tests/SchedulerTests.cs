using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Jobs;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Tests;

/// <summary>The durable scheduler: one run among several instances, catch-up after downtime, takeover, resume (issue 5).</summary>
public sealed class SchedulerTests(ChainWithAClock api) : IClassFixture<ChainWithAClock>
{
    static readonly TimeSpan Vietnam = TimeSpan.FromHours(7);

    JobScheduler Scheduler(LedgerJobs? jobs = null)
    {
        var services = api.Services;
        var runs = new JobRuns(services.GetRequiredService<NpgsqlDataSource>(), jobs ?? services.GetRequiredService<LedgerJobs>(),
            services.GetRequiredService<Peko.Ledger.EventStore.Audit.LedgerVerifier>(),
            services.GetRequiredService<ChainDirectory>(), api.Clock, NullLogger<JobRuns>.Instance);
        return new JobScheduler(services.GetRequiredService<NpgsqlDataSource>(), runs, services.GetRequiredService<ChainDirectory>(),
            new SchedulerOptions { Lease = TimeSpan.FromMinutes(10) }, api.Clock, NullLogger<JobScheduler>.Instance);
    }

    /// <summary>All of the chain's nightly jobs due a minute ago, with no lease: each test starts from there.</summary>
    async Task MakeDueAsync(string? leaseOwner = null, TimeSpan? leaseLeft = null)
    {
        await Scheduler().RunDueAsync(default); // creates the schedules if they are not there yet
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "update ledger.job_schedules set next_due_at = $1, lease_owner = $2, lease_until = $3 where chain_id = 'clock-chain'");
        command.Parameters.AddWithValue(api.Clock.GetUtcNow().AddMinutes(-1));
        command.Parameters.AddWithValue((object?)leaseOwner ?? DBNull.Value);
        command.Parameters.AddWithValue(leaseLeft is { } left ? api.Clock.GetUtcNow() + left : DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    Task<long> ScheduledRunsAsync() => api.ScalarAsync("select count(*) from ledger.job_runs where trigger = 'schedule'");

    [Fact]
    public async Task Schedules_run_once_among_instances_catch_up_once_after_downtime_and_move_to_the_next_3am()
    {
        await MakeDueAsync();
        var before = await ScheduledRunsAsync();
        var ran = await Task.WhenAll(Scheduler().RunDueAsync(default), Scheduler().RunDueAsync(default), Scheduler().RunDueAsync(default));

        Assert.Equal(3, ran.Sum()); // expiry, tier recompute and log sealing, once each, whichever instance claimed them
        Assert.Equal(before + 3, await ScheduledRunsAsync());
        var next = await api.ScalarAsync(
            "select extract(epoch from min(next_due_at))::bigint from ledger.job_schedules where chain_id = 'clock-chain'");
        var expected = JobScheduler.NextRun(TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh"), new TimeOnly(3, 0), api.Clock.GetUtcNow());
        Assert.Equal(expected.ToUnixTimeSeconds(), next);
        Assert.Equal(new TimeOnly(3, 0), TimeOnly.FromDateTime(expected.ToOffset(Vietnam).DateTime));

        Assert.Equal(0, await Scheduler().RunDueAsync(default)); // nothing is due until then
        var start = api.Clock.GetUtcNow();
        api.Clock.Set(expected.AddDays(3).AddHours(2)); // the service was down for three nights
        try
        {
            Assert.Equal(3, await Scheduler().RunDueAsync(default)); // one run each, as of today
        }
        finally
        {
            api.Clock.Set(start);
        }
    }

    [Fact]
    public async Task A_run_whose_instance_died_is_taken_over_when_its_lease_ends()
    {
        await MakeDueAsync(leaseOwner: "dead-instance", leaseLeft: TimeSpan.FromMinutes(5));

        Assert.Equal(0, await Scheduler().RunDueAsync(default)); // still leased

        var start = api.Clock.GetUtcNow();
        api.Clock.Advance(TimeSpan.FromMinutes(6));
        try { Assert.Equal(3, await Scheduler().RunDueAsync(default)); }
        finally { api.Clock.Set(start); }
    }

    [Fact]
    public async Task An_expiry_killed_half_way_and_run_again_writes_what_one_uninterrupted_run_would()
    {
        var start = api.Clock.GetUtcNow();
        var guests = new List<string>();
        for (var i = 0; i < 4; i++)
            guests.Add((string)(await api.Chain.EarnAsync(api.Chain.Admin, "d1", (i + 1) * 100_000m, new { phone = Unique.Phone() },
                occurredAt: start.AddDays(-1)))["guestId"]!);
        api.Clock.Set(start.AddMonths(25));
        try
        {
            var store = api.Services.GetRequiredService<LedgerStore>();
            var chain = await api.Services.GetRequiredService<ChainDirectory>().GetAsync(api.Chain.Id, default);
            var today = chain.LocalDate(api.Clock.GetUtcNow());
            var dying = new LedgerJobs(store, batchSize: 1) { AfterBatch = done => { if (done == 2) throw new OperationCanceledException("killed"); } };
            await Assert.ThrowsAsync<OperationCanceledException>(() => dying.ExpirePointsAsync(chain, today, default));

            var resumed = await new LedgerJobs(store, batchSize: 1).ExpirePointsAsync(chain, today, default);

            Assert.True(resumed.EventsWritten >= 2);
            foreach (var (guest, i) in guests.Select((g, i) => (g, i)))
            {
                var expired = (await api.Chain.HistoryAsync(guest)).Where(e => (string)e!["type"]! == "points-expired").ToList();
                Assert.Equal((i + 1) * 10, (long)Assert.Single(expired)!["data"]!["points"]!);
                Assert.Equal(0, (long)(await api.Chain.GuestAsync(guest))["balance"]!);
            }
        }
        finally
        {
            api.Clock.Set(start);
        }
    }
}
