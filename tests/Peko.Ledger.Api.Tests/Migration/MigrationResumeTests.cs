using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Api.Features.Migration;
using static Peko.Ledger.Api.Tests.Migration.MigrationHost;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>Commits a stopped process left "committing" are resumed when the service starts, once (issue 8).</summary>
public sealed class MigrationResumeTests(MigrationHost api) : IClassFixture<MigrationHost>
{
    [Fact]
    public async Task A_commit_killed_half_way_is_resumed_once_by_two_freshly_started_instances_without_any_call()
    {
        var people = new MemberExports(30, seed: 3, ["d1"]);
        var (whole, killed) = (await api.NewChainAsync(), await api.NewChainAsync());
        var wholeRun = await CommitAsync(whole, (string)(await DryRunAsync(whole, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!);

        // The process dies after 12 groups: nothing after that runs, not even the error handling that marks it failed.
        var migrationId = (string)(await DryRunAsync(killed, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!;
        using var kill = new CancellationTokenSource();
        var dying = MigrationHostExtensions.CommitWith(api.Services, 4, progress => { if (progress.GroupsDone >= 12) kill.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dying.RunAsync(killed.Id, migrationId, api.AdminOf(killed), kill.Token));
        var left = await (await killed.Admin.GetAsync(killed.Url($"migrations/{migrationId}"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("committing", 12), ((string)left["status"]!, (int)left["progress"]!["groupsDone"]!));

        // Two instances start side by side; each looks for stopped commits at start-up. Every batch either runs is counted.
        var batches = new ConcurrentQueue<int>();
        void Counted(IServiceCollection services) => services.AddSingleton(sp =>
            MigrationHostExtensions.CommitWith(sp, 4, progress => batches.Enqueue(progress.GroupsDone)));
        await using var first = new ServiceInstance(api, Counted);
        await using var second = new ServiceInstance(api, Counted);
        await Task.WhenAll(Task.Run(first.Start), Task.Run(second.Start));
        var resumed = await CommittedAsync(killed, migrationId);

        Assert.Equal(wholeRun["result"]!.ToJsonString(), resumed["result"]!.ToJsonString());
        Assert.Equal(await api.GuestsAsync(whole), await api.GuestsAsync(killed));
        Assert.Equal(await api.RowsAsync(EventCounts, whole.Id), await api.RowsAsync(EventCounts, killed.Id));
        // Resumed once: the batches after the 12th group ran one after the other, none twice, up to the last group.
        var done = batches.ToArray();
        Assert.True(done.Length > 0 && done[0] > 12, $"batches after the resume: {string.Join(", ", done)}");
        Assert.Equal(done.Order().Distinct(), done);
        Assert.Equal((int)resumed["progress"]!["groupsDone"]!, done[^1]);
    }

    [Fact]
    public async Task A_running_commit_is_left_to_the_instance_running_it()
    {
        var chain = await api.NewChainAsync();
        var migrationId = (string)(await DryRunAsync(chain, "d1", "kiotviet", new MemberExports(20, seed: 8, ["d1"]).KiotViet("d1")))["migrationId"]!;
        using var halfWay = new SemaphoreSlim(0);
        using var goOn = new SemaphoreSlim(0);
        var running = MigrationHostExtensions.CommitWith(api.Services, 4, progress =>
        {
            if (progress.GroupsDone != 8) return;
            halfWay.Release();
            goOn.Wait(); // a live commit, half-way: "committing", its restaurant's lock held
        });
        var commit = Task.Run(() => running.RunAsync(chain.Id, migrationId, api.AdminOf(chain), default));
        Assert.True(await halfWay.WaitAsync(TimeSpan.FromSeconds(30)));

        var batches = new ConcurrentQueue<int>();
        var other = MigrationHostExtensions.CommitWith(api.Services, 4, progress => batches.Enqueue(progress.GroupsDone));
        var resumed = await other.ResumeAsync(chain.Id, migrationId, default).WaitAsync(TimeSpan.FromSeconds(30)); // does not wait for the lock
        goOn.Release();

        Assert.Null(resumed);
        Assert.Empty(batches);
        Assert.Equal("committed", (await commit).Status);
    }
}

/// <summary>A restaurant keeps trading while its programme is committed, two batches at a time (issue 8).</summary>
public sealed class MigrationWhileTradingTests(MigrationHost api) : IClassFixture<MigrationHost>
{
    [Fact]
    public async Task Tills_earning_for_the_members_while_their_commit_runs_lose_nothing_and_make_no_second_guest()
    {
        var people = new MemberExports(40, seed: 11, ["d1"]);
        var chain = await api.NewChainAsync();
        var migrationId = (string)(await DryRunAsync(chain, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!;
        var commit = MigrationHostExtensions.CommitWith(api.Services, 2, _ => { });

        var committing = Task.Run(() => commit.RunAsync(chain.Id, migrationId, api.AdminOf(chain), default));
        var earned = 0L;
        foreach (var person in people.People) // meanwhile a till at another restaurant serves every member once
            earned += (long)(await chain.EarnAsync(chain.Admin, "d2", 250_000m, new { phone = person.Phone }))["pointsEarned"]!;
        await committing;

        Assert.Equal(people.People.Count, await api.ScalarAsync(
            "select count(distinct guest_id) from ledger.guest_identifiers where chain_id = $1 and kind = 'Phone'", chain.Id));
        Assert.Equal(people.PointsAt("d1"), await api.MigratedLotsAsync(chain, "d1"));
        Assert.Equal(earned, await api.ScalarAsync(
            "select coalesce(sum(points), 0) from ledger.points_lots where chain_id = $1 and restaurant_id = 'd2'", chain.Id));
    }
}
