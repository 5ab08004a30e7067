using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>Points expiry and tier recompute, triggered by an admin, against a clock the test moves (issue 5).</summary>
public sealed class JobsTests(ChainWithAClock api) : IClassFixture<ChainWithAClock>, IDisposable
{
    static readonly TimeSpan Vietnam = TimeSpan.FromHours(7);
    readonly DateTimeOffset _start = api.Clock.GetUtcNow();

    public void Dispose() => api.Clock.Set(_start); // tests share the host: each leaves the clock where it found it

    HttpClient Admin => api.Chain.Admin;

    async Task<JsonNode> RunAsync(string job, DateOnly? asOf = null) =>
        await (await Admin.PostAsJsonAsync(api.Chain.Url($"jobs/{job}"), new { asOf })).ShouldBeAsync(HttpStatusCode.OK);

    async Task<JsonNode> GuestAsync(string guestId) => await api.Chain.GuestAsync(guestId);

    async Task<string> EarnAsync(string phone, decimal amount, DateTimeOffset at, string restaurant = "d1", string? order = null) =>
        (string)(await api.Chain.EarnAsync(Admin, restaurant, amount, new { phone }, order, at))["guestId"]!;

    [Fact]
    public async Task A_lot_expires_on_its_day_in_the_chain_time_zone_not_a_day_early_or_late()
    {
        var earnedAt = new DateTimeOffset(2026, 11, 1, 16, 0, 0, Vietnam); // expires on 2028-11-01, Ho Chi Minh City time
        var guest = await EarnAsync(Unique.Phone(), 300_000m, earnedAt);

        api.Clock.Set(new DateTimeOffset(2028, 10, 31, 23, 59, 0, Vietnam)); // 16:59 UTC on 31 Oct
        var early = await RunAsync("expire-points");
        Assert.Equal(30, (long)(await GuestAsync(guest))["balance"]!);

        api.Clock.Set(new DateTimeOffset(2028, 11, 1, 0, 30, 0, Vietnam)); // still 31 Oct in UTC
        var onTheDay = await RunAsync("expire-points");
        var again = await RunAsync("expire-points");

        Assert.Equal(0, (long)early["eventsWritten"]!);
        Assert.True((long)onTheDay["eventsWritten"]! >= 1);
        Assert.Equal("2028-11-01", (string)onTheDay["asOf"]!);
        Assert.Equal(0, (long)(await GuestAsync(guest))["balance"]!);
        Assert.Equal(0, (long)again["eventsWritten"]!); // a second run finds nothing left to do
        var expired = (await api.Chain.HistoryAsync(guest)).Single(e => (string)e!["type"]! == "points-expired")!;
        Assert.Equal(("2028-11-01", 30L, "d1"), ((string)expired["data"]!["expiredOn"]!, (long)expired["data"]!["points"]!,
            (string)expired["data"]!["issuedBy"]!));
    }

    [Fact]
    public async Task After_three_days_down_one_run_expires_what_each_day_would_have_with_its_own_expiry_date()
    {
        var phone = Unique.Phone();
        api.Clock.Set(new DateTimeOffset(2026, 11, 7, 9, 0, 0, Vietnam));
        var guest = await EarnAsync(phone, 100_000m, new DateTimeOffset(2026, 11, 2, 12, 0, 0, Vietnam));
        await EarnAsync(phone, 200_000m, new DateTimeOffset(2026, 11, 4, 12, 0, 0, Vietnam));
        await EarnAsync(phone, 400_000m, new DateTimeOffset(2026, 11, 6, 12, 0, 0, Vietnam)); // not due yet

        api.Clock.Set(new DateTimeOffset(2028, 11, 5, 9, 0, 0, Vietnam)); // the service was down 2-4 Nov
        await RunAsync("expire-points");

        var expired = (await api.Chain.HistoryAsync(guest)).Where(e => (string)e!["type"]! == "points-expired")
            .Select(e => ((string)e!["data"]!["expiredOn"]!, (long)e["data"]!["points"]!)).ToList();
        Assert.Equal([("2028-11-02", 10L), ("2028-11-04", 20L)], expired);
        Assert.Equal(40, (long)(await GuestAsync(guest))["balance"]!);
    }

    [Fact]
    public async Task The_tier_goes_up_with_the_window_spend_and_down_when_the_spend_leaves_the_window()
    {
        var spentAt = new DateTimeOffset(2026, 11, 1, 15, 0, 0, Vietnam);
        var guest = await EarnAsync(Unique.Phone(), 5_000_000m, spentAt);

        await RunAsync("recompute-tiers", new DateOnly(2026, 11, 1));
        Assert.Equal("Silver", (string)(await GuestAsync(guest))["tier"]!);

        api.Clock.Set(new DateTimeOffset(2027, 11, 2, 9, 0, 0, Vietnam));
        await RunAsync("recompute-tiers", new DateOnly(2027, 10, 31)); // the spend is still in the 12 months
        Assert.Equal("Silver", (string)(await GuestAsync(guest))["tier"]!);
        await RunAsync("recompute-tiers", new DateOnly(2027, 11, 1)); // the window now starts after it
        Assert.Equal("Bronze", (string)(await GuestAsync(guest))["tier"]!);
    }

    [Fact]
    public async Task Voided_spend_lowers_the_tier_at_the_next_recompute()
    {
        var order = Unique.Order();
        var guest = await EarnAsync(Unique.Phone(), 6_000_000m, _start.AddHours(-1), order: order);
        await RunAsync("recompute-tiers");
        Assert.Equal("Silver", (string)(await GuestAsync(guest))["tier"]!);

        await (await Admin.PostAsJsonAsync(api.Chain.Url($"orders/d1/{order}/void"), new { amount = 2_000_000m }))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("Silver", (string)(await GuestAsync(guest))["tier"]!); // until the next recompute
        await RunAsync("recompute-tiers");

        Assert.Equal("Bronze", (string)(await GuestAsync(guest))["tier"]!);
    }

    [Fact]
    public async Task Runs_are_recorded_and_only_admins_trigger_them()
    {
        var run = await RunAsync("recompute-tiers");
        var auditor = await api.Chain.IssueKeyAsync("auditor");

        var runs = (await (await auditor.Client.GetAsync(api.Chain.Url("jobs"))).ShouldBeAsync(HttpStatusCode.OK)).AsArray();
        await (await auditor.Client.PostAsJsonAsync(api.Chain.Url("jobs/expire-points"), new { })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await Admin.PostAsJsonAsync(api.Chain.Url("jobs/expire-points"), new { asOf = "2030-01-01" })).FieldErrorAsync("asOf");

        var recorded = runs.Single(r => (string)r!["runId"]! == (string)run["runId"]!)!;
        Assert.Equal(("recompute-tiers", "succeeded"), ((string)recorded["job"]!, (string)recorded["status"]!));
        Assert.NotNull(recorded["finishedAt"]);
    }
}
