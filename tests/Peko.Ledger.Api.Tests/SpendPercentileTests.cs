using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// The lookup's spendPercentile comes from each chain's percentile thresholds (SpendThresholds): exactly the share of
/// members spending less when they were computed; recomputed by the nightly tier job, and in the background when a
/// lookup finds them a quarter of an hour old. Each test has its own chain (its own population of members).
/// </summary>
public sealed class SpendPercentileTests(ChainWithAClock api) : IClassFixture<ChainWithAClock>
{
    [Fact]
    public async Task The_thresholds_give_each_member_the_share_of_members_spending_less_ties_included()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var random = new Random(5);
        // 37 members (percentages do not divide evenly), spends with ties.
        var spends = Enumerable.Range(0, 37).Select(_ => random.Next(1, 12) * 100_000m).ToList();
        var phones = spends.Select(_ => Unique.Phone()).ToList();
        for (var i = 0; i < spends.Count; i++) await chain.EarnAsync(chain.Admin, "r1", spends[i], new { phone = phones[i] });

        for (var i = 0; i < spends.Count; i++)
        {
            var expected = spends.Count(s => s < spends[i]) * 100 / spends.Count;
            var found = await LookupAsync(chain, phones[i]);
            Assert.Equal(expected, (int)found["spendPercentile"]!);
            Assert.Equal(expected >= 95, (bool)found["vip"]!);
        }
    }

    [Fact]
    public async Task Stale_thresholds_are_recomputed_after_the_lookup_that_found_them_and_the_nightly_job_recomputes_them()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var phones = Enumerable.Range(0, 4).Select(_ => Unique.Phone()).ToList();
        for (var i = 0; i < phones.Count; i++) await chain.EarnAsync(chain.Admin, "r1", (i + 1) * 100_000m, new { phone = phones[i] });
        Assert.Equal(75, (int)(await LookupAsync(chain, phones[3]))["spendPercentile"]!); // computed now: outspends 3 of 4

        // Four bigger spenders join: within a quarter of an hour the till still sees the thresholds it had.
        foreach (var _ in Enumerable.Range(0, 4)) await chain.EarnAsync(chain.Admin, "r1", 900_000m, new { phone = Unique.Phone() });
        api.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(75, (int)(await LookupAsync(chain, phones[3]))["spendPercentile"]!);

        // Past it, the lookup answers at once with what it has and recomputes them behind.
        api.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(75, (int)(await LookupAsync(chain, phones[3]))["spendPercentile"]!);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await ComputedAtAsync(chain) != api.Clock.GetUtcNow() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(api.Clock.GetUtcNow(), await ComputedAtAsync(chain));
        Assert.Equal(37, (int)(await LookupAsync(chain, phones[3]))["spendPercentile"]!); // 3 of 8

        // The nightly tier job recomputes them too.
        api.Clock.Advance(TimeSpan.FromMinutes(1));
        await chain.EarnAsync(chain.Admin, "r1", 50_000m, new { phone = Unique.Phone() });
        await (await chain.Admin.PostAsJsonAsync(chain.Url("jobs/recompute-tiers"), new { asOf = (DateOnly?)null }))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(api.Clock.GetUtcNow(), await ComputedAtAsync(chain));
        Assert.Equal(44, (int)(await LookupAsync(chain, phones[3]))["spendPercentile"]!); // 4 of 9
    }

    static async Task<JsonNode> LookupAsync(TestChain chain, string phone) =>
        await (await chain.Admin.GetAsync(chain.Url($"lookup?phone={Uri.EscapeDataString(phone)}"))).ShouldBeAsync(HttpStatusCode.OK);

    async Task<DateTimeOffset?> ComputedAtAsync(TestChain chain)
    {
        var text = await api.TextAsync("select coalesce(computed_at::text, '') from ledger.spend_thresholds where chain_id = $1", chain.Id);
        return text == "" ? null : DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}
