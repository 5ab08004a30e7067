using System.Net;
using System.Text.Json.Nodes;
using static Peko.Ledger.Api.Tests.Migration.MigrationHost;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>Migrating restaurants' own programmes over HTTP: dry run, commit, waves and deltas (issue 8).</summary>
public sealed class MigrationTests(MigrationHost api) : IClassFixture<MigrationHost>
{
    [Fact]
    public async Task Three_restaurants_exports_become_one_guest_per_person_with_every_point_kept_by_its_restaurant()
    {
        var chain = await api.NewChainAsync();
        var people = new MemberExports(40, seed: 1, ["d1", "d2", "d3"]);
        var events = await api.EventsAsync(chain);

        var d1 = await DryRunAsync(chain, "d1", "kiotviet", people.KiotViet("d1"));
        Assert.Equal(events, await api.EventsAsync(chain)); // a dry run writes nothing to the ledger
        var report = d1["report"]!;
        var inD1 = people.At("d1").Count();
        Assert.Equal((inD1 + 3, 2, inD1, 3), ((int)report["rowsRead"]!, (int)report["blankLines"]!, (int)report["membersAccepted"]!,
            (int)report["rowsRejected"]!));
        Assert.Equal([$"{inD1 + 4}: bad phone", $"{inD1 + 5}: negative balance", $"{inD1 + 6}: short line"],
            report["rejected"]!.AsArray().Select(r => $"{(int)r!["line"]!}: {((string)r["reason"]!).Split(':', '(')[0].Trim()}"));
        Assert.Equal((people.PointsAt("d1"), people.PointsAt("d1"), true, inD1), ((long)report["points"]!["inFile"]!,
            (long)report["points"]!["after"]!, (bool)report["points"]!["balanced"]!, (int)report["guestsToCreate"]!));

        await CommitAsync(chain, (string)d1["migrationId"]!);
        var d2 = await DryRunAsync(chain, "d2", "ipos", people.IPos("d2"));
        var inBoth = people.At("d2").Count(p => p.Points.ContainsKey("d1"));
        Assert.Equal((inBoth, inBoth), ((int)d2["report"]!["guestsMatched"]!, (int)d2["report"]!["matches"]!["inLedger"]!));
        Assert.Equal(inBoth, (int)d2["report"]!["matches"]!["byIdentifier"]!["phone"]!);
        await CommitAsync(chain, (string)d2["migrationId"]!);
        var d3 = await CommitAsync(chain, (string)(await DryRunAsync(chain, "d3", "sapo", people.Sapo("d3")))["migrationId"]!);
        Assert.Equal(["1: bad email"], d3["result"]!["rejected"]!.AsArray()
            .Select(r => $"{(int)r!["line"]! - people.At("d3").Count() - 1}: {((string)r["reason"]!).Split(':')[0]}"));

        foreach (var restaurant in new[] { "d1", "d2", "d3" })
            Assert.Equal(people.PointsAt(restaurant), await api.MigratedLotsAsync(chain, restaurant));
        // Month-end accounting sees each opening balance as its own restaurant's liability (docs/accounting.md).
        var liability = await (await chain.Admin.GetAsync(chain.Url("accounting/liability"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(new[] { "d1", "d2", "d3" }.Select(people.PointsAt), new[] { "d1", "d2", "d3" }.Select(r => (long)liability["restaurants"]!
            .AsArray().Single(x => (string)x!["restaurantId"]! == r)!["outstanding"]!["points"]!));
        Assert.Equal(people.PointsAt("d3"), (long)d3["result"]!["points"]!["inLedger"]!);
        Assert.Equal(people.People.Count, await api.ScalarAsync(
            "select count(*) from ledger.guests where chain_id = $1 and merged_into is null", chain.Id));
        foreach (var person in people.People.Take(12))
        {
            var lookup = await (await chain.Admin.GetAsync(chain.Url($"lookup?phone={person.OldPhone ?? person.Phone}"))).ShouldBeAsync(HttpStatusCode.OK);
            Assert.Equal(person.Points.Values.Sum(), (long)lookup["balance"]!);
            var lots = (await chain.GuestAsync((string)lookup["guestId"]!))["openLots"]!.AsArray();
            Assert.Equal(person.Points.Where(p => p.Value > 0).OrderBy(p => p.Key).Select(p => (p.Key, p.Value)),
                lots.Select(l => ((string)l!["restaurantId"]!, (long)l["points"]!)).OrderBy(l => l.Item1));
        }
    }

    [Fact]
    public async Task Migrated_spend_sets_the_tier_and_a_till_spends_migrated_points_at_once_in_another_restaurant()
    {
        var chain = await api.NewChainAsync();
        var file = System.Text.Encoding.UTF8.GetBytes("""
            Mã khách hàng,Tên khách hàng,Điện thoại,Điểm hiện tại,Tổng bán,Ngày giao dịch cuối
            KH1,Chị Vàng,01623 456 789,"1.200","13.000.000",15/10/2026
            KH2,Anh Đồng,0912 345 678,50,"200.000",
            """);
        var dryRun = await DryRunAsync(chain, "d1", "kiotviet", file);
        Assert.Equal((1, 1), ((int)dryRun["report"]!["tiers"]!["Gold"]!, (int)dryRun["report"]!["tiers"]!["Bronze"]!));
        await CommitAsync(chain, (string)dryRun["migrationId"]!);

        var lookup = await (await chain.Admin.GetAsync(chain.Url("lookup?phone=0323456789"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("Gold", 1_200L, "d1"), ((string)lookup["tier"]!, (long)lookup["balance"]!, (string)lookup["lastVisit"]!["restaurantId"]!));
        var redeemed = await chain.RedeemAsync(chain.Admin, "d2", 1_000, new { phone = "+84 32 345 6789" });
        Assert.Equal(200, (long)redeemed["balance"]!);
    }

    [Fact]
    public async Task A_commit_on_a_later_day_reads_the_file_as_of_that_day_so_points_that_expired_meanwhile_are_refused()
    {
        var chain = await api.NewChainAsync();
        var file = System.Text.Encoding.UTF8.GetBytes("""
            pos_customer_id,name,phone,points,points_expire_on
            G1,An,0903111001,500,02/11/2026
            G2,Bình,0903111002,300,
            """);
        var dryRun = await DryRunAsync(chain, "d1", "generic", file); // 1 November (chain time): G1's points are good today
        Assert.Equal((2, 0, 800L), ((int)dryRun["report"]!["membersAccepted"]!, (int)dryRun["report"]!["rowsRejected"]!,
            (long)dryRun["report"]!["points"]!["inFile"]!));

        var start = api.Clock.GetUtcNow();
        api.Clock.Advance(TimeSpan.FromDays(1));
        try
        {
            var committed = await CommitAsync(chain, (string)dryRun["migrationId"]!);
            var result = committed["result"]!;
            Assert.Equal((1, 1, 1, 300L, 300L, true), ((int)result["membersAccepted"]!, (int)result["rowsRejected"]!,
                (int)result["members"]!["opened"]!, (long)result["points"]!["inFile"]!, (long)result["points"]!["inLedger"]!,
                (bool)result["points"]!["balanced"]!));
            Assert.Equal("2: the points expired on 2026-11-02 in the old programme",
                $"{(int)result["rejected"]![0]!["line"]!}: {(string)result["rejected"]![0]!["reason"]!}");
            Assert.Equal(800L, (long)committed["report"]!["points"]!["inFile"]!); // the dry run's report stays as it was
        }
        finally
        {
            api.Clock.Set(start);
        }
    }

    [Fact]
    public async Task Committing_twice_or_uploading_the_same_file_again_changes_nothing()
    {
        var chain = await api.NewChainAsync();
        var file = new MemberExports(15, seed: 2, ["d1"]).KiotViet("d1");
        var first = (string)(await DryRunAsync(chain, "d1", "kiotviet", file))["migrationId"]!;
        await CommitAsync(chain, first);
        var (events, lots) = (await api.EventsAsync(chain), await RowsAsync("select lot_id, guest_id, points, remaining from ledger.points_lots where chain_id = $1 order by lot_id", chain.Id));

        var again = await chain.Admin.PostAsync(chain.Url($"migrations/{first}/commit"), null);
        Assert.Equal("committed", (string)(await again.ShouldBeAsync(HttpStatusCode.OK))["status"]!);
        var reupload = await DryRunAsync(chain, "d1", "kiotviet", file);
        Assert.Equal((first, 0, 15, 0), ((string)reupload["sameFileAs"]!, (int)reupload["report"]!["members"]!["opened"]!,
            (int)reupload["report"]!["members"]!["unchanged"]!, (int)reupload["report"]!["guestsToCreate"]!));
        var committed = await CommitAsync(chain, (string)reupload["migrationId"]!);

        Assert.Equal(15, (int)committed["result"]!["members"]!["unchanged"]!);
        Assert.Equal(events, await api.EventsAsync(chain));
        Assert.Equal(lots, await RowsAsync("select lot_id, guest_id, points, remaining from ledger.points_lots where chain_id = $1 order by lot_id", chain.Id));
    }

    [Fact]
    public async Task An_older_upload_cannot_be_committed_over_a_newer_one()
    {
        var chain = await api.NewChainAsync();
        var file = new MemberExports(3, seed: 5, ["d1"]).KiotViet("d1");
        var older = (string)(await DryRunAsync(chain, "d1", "kiotviet", file))["migrationId"]!;
        await CommitAsync(chain, (string)(await DryRunAsync(chain, "d1", "kiotviet", file))["migrationId"]!);

        await (await chain.Admin.PostAsync(chain.Url($"migrations/{older}/commit"), null))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "migration-superseded");
    }

    [Fact]
    public async Task Only_a_chain_admin_migrates_and_bad_uploads_are_refused_naming_the_field()
    {
        var chain = await api.NewChainAsync();
        var file = new MemberExports(2, seed: 6, ["d1"]).KiotViet("d1");
        var counter = await chain.IssueKeyAsync("counter", "d1");
        await (await UploadAsync(chain, "d1", "kiotviet", file, by: counter.Client)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await UploadAsync(chain, "d1", "lightspeed", file)).FieldErrorAsync("preset");
        await (await UploadAsync(chain, "d9", "kiotviet", file)).FieldErrorAsync("restaurantId");
        await (await UploadAsync(chain, "d1", "square", file)).FieldErrorAsync("file");
        await (await UploadAsync(chain, "d1", "custom", file, mapping: "{ \"phone\": 1 }")).FieldErrorAsync("mapping");
        await (await chain.Admin.PostAsync(chain.Url("migrations"), new StringContent("{}"))).FieldErrorAsync("file");
        await (await chain.Admin.GetAsync(chain.Url("migrations/mig_none"))).ProblemAsync(HttpStatusCode.NotFound, "migration-not-found");
        Assert.Equal(0, await api.ScalarAsync("select count(*) from ledger.migrations where chain_id = $1", chain.Id));
    }

    [Fact]
    public async Task A_delta_export_adjusts_exactly_the_changed_members_and_nothing_else()
    {
        var chain = await api.NewChainAsync();
        var people = new MemberExports(12, seed: 4, ["d1"]);
        await CommitAsync(chain, (string)(await DryRunAsync(chain, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!);
        var seq = await api.ScalarAsync("select max(seq) from ledger.events");
        var (up, down, upMore) = (people.People[0], people.People.Skip(1).First(p => p.Points["d1"] >= 300 && p != people.People[5]), people.People[5]);
        var changes = new Dictionary<Person, long> { [up] = 500, [down] = -300, [upMore] = 1_000 };

        var delta = await DryRunAsync(chain, "d1", "kiotviet", people.KiotViet("d1", p => p.Points["d1"] + changes.GetValueOrDefault(p)));
        var members = delta["report"]!["members"]!;
        Assert.Equal((0, 3, 9), ((int)members["opened"]!, (int)members["adjusted"]!, (int)members["unchanged"]!));
        Assert.Equal((1_500L, 300L, true), ((long)delta["report"]!["points"]!["adjustedUp"]!, (long)delta["report"]!["points"]!["adjustedDown"]!,
            (bool)delta["report"]!["points"]!["balanced"]!));
        await CommitAsync(chain, (string)delta["migrationId"]!);

        var written = await RowsAsync("select type, data->>'guestId', data->>'points' from ledger.events where chain_id = $1 and seq > $2 order by seq", chain.Id, seq);
        var expected = new List<string>();
        foreach (var (person, change) in changes)
        {
            var lookup = await (await chain.Admin.GetAsync(chain.Url($"lookup?phone={person.Phone}"))).ShouldBeAsync(HttpStatusCode.OK);
            Assert.Equal(person.Points["d1"] + change, (long)lookup["balance"]!);
            expected.Add($"points-adjusted|{(string)lookup["guestId"]!}|{change}");
        }
        Assert.Equal(expected.Order(), written.Order());
    }

    [Fact]
    public async Task A_commit_killed_half_way_and_resumed_equals_an_uninterrupted_one()
    {
        var people = new MemberExports(30, seed: 3, ["d1"]);
        var (whole, resumed) = (await api.NewChainAsync(), await api.NewChainAsync());
        var wholeRun = await CommitAsync(whole, (string)(await DryRunAsync(whole, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!);

        var migrationId = (string)(await DryRunAsync(resumed, "d1", "kiotviet", people.KiotViet("d1")))["migrationId"]!;
        var crashing = api.CommitWith(batchSize: 4, crashAfterGroups: 12);
        await Assert.ThrowsAsync<SimulatedCrash>(() => crashing.RunAsync(resumed.Id, migrationId, api.AdminOf(resumed), default));
        var halfWay = await (await resumed.Admin.GetAsync(resumed.Url($"migrations/{migrationId}"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("failed", 12), ((string)halfWay["status"]!, (int)halfWay["progress"]!["groupsDone"]!));
        Assert.InRange(await api.MigratedLotsAsync(resumed, "d1"), 1, people.PointsAt("d1") - 1);
        var resumedRun = await CommitAsync(resumed, migrationId);

        Assert.Equal(wholeRun["result"]!.ToJsonString(), resumedRun["result"]!.ToJsonString());
        Assert.Equal(await GuestsAsync(whole), await GuestsAsync(resumed));
        Assert.Equal(await RowsAsync(EventCounts, whole.Id), await RowsAsync(EventCounts, resumed.Id));
    }

    Task<List<string>> GuestsAsync(TestChain chain) => api.GuestsAsync(chain);

    Task<List<string>> RowsAsync(string sql, params object[] parameters) => api.RowsAsync(sql, parameters);
}
