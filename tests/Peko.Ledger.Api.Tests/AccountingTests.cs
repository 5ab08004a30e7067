using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static Peko.Ledger.Api.Tests.AccountingChain;
using static Peko.Ledger.Api.Tests.ChainsForAccounting;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// Month-end accounting on a small chain whose every figure is worked out by hand (issue 6; the same story is told in
/// docs/accounting.md). January:
///   10 Jan  Lan earns 100 at a (order a-1, 1,000,000 VND)        11 Jan  Minh earns 80 at b (order b-1)
///   12 Jan  Lan redeems 30 at b (a's points)                        13 Jan  Minh redeems 50 at a (b's points, order a-2)
///   15 Jan  Lan earns 50 at c                                       20 Jan  a refunds 400,000 of a-1: 40 points back
///   22 Jan  b's manager gives Lan 20 points                         25 Jan  Hoa earns 30 at c
///   26 Jan  Hoa turns out to be Lan: merged                         28 Jan  Lan redeems 60 at a (30 of a's, 30 of c's)
/// </summary>
public sealed class AccountingTests(ChainsForAccounting api) : IClassFixture<ChainsForAccounting>
{
    static async Task<(AccountingChain Chain, string Lan, string Minh)> JanuaryAsync(ChainsForAccounting api)
    {
        var chain = await api.NewChainAsync();
        string lan = Unique.Phone(), minh = Unique.Phone(), hoa = Unique.Phone();
        var lanId = await chain.EarnAsync(On(1, 10), "d1", 1_000_000m, lan, "a-1");
        var minhId = await chain.EarnAsync(On(1, 11), "d2", 800_000m, minh, "b-1");
        await chain.RedeemAsync(On(1, 12), "d2", 30, lan, "b-2");
        await chain.RedeemAsync(On(1, 13), "d1", 50, minh, "a-2");
        await chain.EarnAsync(On(1, 15), "d3", 500_000m, lan, "c-1");
        await chain.VoidAsync(On(1, 20), "d1", "a-1", 400_000m);
        await chain.AdjustAsync(On(1, 22), lanId, 20, "d2");
        var hoaId = await chain.EarnAsync(On(1, 25), "d3", 300_000m, hoa, "c-2");
        await chain.MergeAsync(On(1, 26), lanId, hoaId);
        await chain.RedeemAsync(On(1, 28), "d1", 60, lan, "a-3");
        return (chain, lanId, minhId);
    }

    [Fact]
    public async Task January_allocation_per_restaurant_matches_the_hand_computed_figures_and_reconciles()
    {
        var (chain, _, _) = await JanuaryAsync(api);
        api.Clock.Set(On(2, 1));

        var january = await chain.ReportAsync("allocation", "month=2026-01");

        var a = Row(january, "d1");
        Assert.Equal((0L, 0m), Figure(a, "opening"));
        Assert.Equal((100L, 100_000m), Figure(a, "issued"));
        Assert.Equal((60L, 60_000m), Figure(a, "redeemed"));     // 30 at b, 30 at a
        Assert.Equal((40L, 40_000m), Figure(a, "voided"));
        Assert.Equal((0L, 0m), Figure(a, "closing"));
        Assert.Equal((110L, 110_000m), Figure(a, "redeemedHere")); // 30 own, 50 of b's, 30 of c's
        Assert.Equal([("d1", 30L), ("d2", 50L), ("d3", 30L)],
            a["redeemedHereByIssuer"]!.AsArray().Select(i => ((string)i!["issuedBy"]!, (long)i["points"]!)));
        Assert.Equal((30L, 30_000m), Figure(a, "ownRedeemedElsewhere"));

        var b = Row(january, "d2");
        Assert.Equal((80L, 80_000m), Figure(b, "issued"));
        Assert.Equal((20L, 20_000m), Figure(b, "adjusted"));
        Assert.Equal((50L, 50_000m), Figure(b, "redeemed"));
        Assert.Equal((50L, 50_000m), Figure(b, "closing"));       // Minh's 30 and Lan's 20
        Assert.Equal((30L, 30_000m), Figure(b, "redeemedHere"));

        var c = Row(january, "d3");
        Assert.Equal((80L, 80_000m), Figure(c, "issued"));        // Lan's 50 and Hoa's 30: the merge moved them, not their issuer
        Assert.Equal((30L, 30_000m), Figure(c, "redeemed"));
        Assert.Equal((50L, 50_000m), Figure(c, "closing"));

        Assert.All(january["restaurants"]!.AsArray(), r => Assert.True((bool)r!["reconciles"]!));
        Assert.Equal((100L, 100_000m), Figure(january["chain"]!, "closing"));
        Assert.Equal("open", (string)january["report"]!["status"]!);
        Assert.Equal("VND", (string)january["report"]!["currency"]!);
    }

    [Fact]
    public async Task Settlement_nets_each_pair_under_issuer_pays_and_goes_through_the_reserve_under_reserve()
    {
        var (chain, _, _) = await JanuaryAsync(api);
        api.Clock.Set(On(2, 1));

        var issuerPays = await chain.ReportAsync("settlement", "month=2026-01");
        Assert.Equal("issuer-pays", (string)issuerPays["report"]!["settlementPolicy"]!);
        Assert.Equal([("d1", "d2", 30L), ("d2", "d1", 50L), ("d3", "d1", 30L)], issuerPays["redemptions"]!.AsArray()
            .Select(r => ((string)r!["issuedBy"]!, (string)r["redeemedAt"]!, (long)r["points"]!)));
        // a owes b 30,000 and b owes a 50,000: one voucher, b pays a 20,000; c pays a 30,000.
        Assert.Equal([("d2", "d1", 20_000m), ("d3", "d1", 30_000m)], Vouchers(issuerPays));

        await (await chain.Admin.PutAsJsonAsync(chain.Chain.Url("accounting/settings"), new { settlementPolicy = "reserve" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        var reserve = await chain.ReportAsync("settlement", "month=2026-01");
        // a: in 100,000 issued; out 110,000 redeemed at a + 40,000 voided back = reserve pays a 50,000.
        // b: in 80,000 + 20,000 adjusted; out 30,000 redeemed at b: b pays 70,000. c: in 80,000: c pays 80,000.
        Assert.Equal([("reserve", "d1", 50_000m), ("d2", "reserve", 70_000m), ("d3", "reserve", 80_000m)], Vouchers(reserve));
        Assert.Equal((0m, 280_000m, 180_000m, 100_000m), ((decimal)reserve["reserve"]!["opening"]!, (decimal)reserve["reserve"]!["paidIn"]!,
            (decimal)reserve["reserve"]!["paidOut"]!, (decimal)reserve["reserve"]!["closing"]!)); // closing = the liability
        Assert.Equal(Vouchers(issuerPays), reserve["issuerPays"]!.AsArray()
            .Select(v => ((string)v!["payer"]!, (string)v["payee"]!, (decimal)v["amount"]!))); // both from the same movements
    }

    [Fact]
    public async Task Estimated_breakage_is_recognised_in_proportion_to_redemptions_beside_the_expiry_figure()
    {
        var (chain, _, _) = await JanuaryAsync(api);
        await (await chain.Admin.PutAsJsonAsync(chain.Chain.Url("accounting/settings"),
            new { settlementPolicy = "issuer-pays", expectedRedemptionRate = 0.8m })).ShouldBeAsync(HttpStatusCode.OK);
        api.Clock.Set(On(2, 1));

        var january = await chain.ReportAsync("allocation", "month=2026-01");

        // a: issued net of voids 60,000; 20% expected breakage = 12,000, but redemptions of 60,000 justify 15,000: capped at 12,000.
        // b: 100,000 net, expected 20,000; 50,000 redeemed justify 12,500. c: 80,000 net, 30,000 redeemed justify 7,500.
        Assert.Equal([12_000m, 12_500m, 7_500m], new[] { "d1", "d2", "d3" }.Select(r => (decimal)Row(january, r)["breakage"]!["estimated"]!));
        Assert.All(new[] { "d1", "d2", "d3" }, r => Assert.Equal(0m, (decimal)Row(january, r)["breakage"]!["expired"]!));
    }

    [Fact]
    public async Task A_closed_month_never_changes_and_a_late_void_lands_in_the_next_month_as_a_prior_period_adjustment()
    {
        var (chain, _, _) = await JanuaryAsync(api);
        var closed = await (await chain.CloseAsync(On(2, 2), "2026-01")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("2026-01", "2026-02"), ((string)closed["closedThrough"]!, (string)closed["nextToClose"]!));
        var frozenJson = await chain.BytesAsync("allocation", "month=2026-01");
        var frozenSettlement = await chain.BytesAsync("settlement", "month=2026-01");
        var frozenCsv = await chain.BytesAsync("allocation", "month=2026-01", "text/csv");

        // On 3 February the till at a syncs a void it made on 29 January: Minh's redemption there (order a-2) is undone.
        await chain.VoidAsync(On(2, 3), "d1", "a-2", null, posTime: On(1, 29));
        await (await chain.Admin.PutAsJsonAsync(chain.Chain.Url("accounting/settings"), new { settlementPolicy = "reserve" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        await chain.ExpireAsync(On(2, 28));

        Assert.Equal(frozenJson, await chain.BytesAsync("allocation", "month=2026-01"));
        Assert.Equal(frozenSettlement, await chain.BytesAsync("settlement", "month=2026-01"));
        Assert.Equal(frozenCsv, await chain.BytesAsync("allocation", "month=2026-01", "text/csv"));

        var february = await chain.ReportAsync("allocation", "month=2026-02");
        var b = Row(february, "d2");
        Assert.Equal((50L, 50_000m), Figure(b, "opening"));
        Assert.Equal((-50L, -50_000m), Figure(b, "redeemed"));   // the 50 redeemed at a came back to Minh's lot
        Assert.Equal((100L, 100_000m), Figure(b, "expired"));    // Minh's 80 on 11 Feb, Lan's adjusted 20 on 22 Feb
        Assert.Equal((0L, 0m), Figure(b, "closing"));
        var prior = b["priorPeriod"]!.AsArray().Single()!;
        Assert.Equal(("2026-01", "redeemed", -50L, -50_000m), ((string)prior["belongsTo"]!, (string)prior["kind"]!, (long)prior["points"]!,
            (decimal)prior["value"]!));
        Assert.Equal((50L, 50_000m), Figure(Row(february, "d3"), "expired")); // breakage for c: Lan's 20 and Hoa's 30
        Assert.All(february["restaurants"]!.AsArray(), r => Assert.True((bool)r!["reconciles"]!));

        // The reversal is settled in February: under the reserve policy now chosen, a hands the 50,000 back to the reserve.
        var settlement = await chain.ReportAsync("settlement", "month=2026-02");
        Assert.Equal("reserve", (string)settlement["report"]!["settlementPolicy"]!);
        Assert.Contains(("d1", "reserve", 50_000m), Vouchers(settlement));
        Assert.Equal([("d1", "d2", 50_000m)], settlement["issuerPays"]!.AsArray()
            .Select(v => ((string)v!["payer"]!, (string)v["payee"]!, (decimal)v["amount"]!)));
    }

    [Fact]
    public async Task Liability_as_of_an_instant_counts_a_late_event_from_the_first_open_month()
    {
        var (chain, _, _) = await JanuaryAsync(api);
        await (await chain.CloseAsync(On(2, 2), "2026-01")).ShouldBeAsync(HttpStatusCode.OK);
        await chain.VoidAsync(On(2, 3), "d1", "a-2", null, posTime: On(1, 29));
        await chain.ExpireAsync(On(2, 12)); // Lan's lot from a (empty) and Minh's 80 from b expired on the 11th

        async Task<(long, long, long, long)> LiabilityAsync(DateTimeOffset at)
        {
            var report = await chain.ReportAsync("liability", "asOf=" + Uri.EscapeDataString(at.ToString("O")));
            long Points(string r) => (long)report["restaurants"]!.AsArray().Single(x => (string)x!["restaurantId"]! == r)!["outstanding"]!["points"]!;
            return (Points("d1"), Points("d2"), Points("d3"), (long)report["total"]!["points"]!);
        }

        Assert.Equal((70L, 30L, 50L, 150L), await LiabilityAsync(On(1, 15, 18))); // after the redemptions of the 12th and 13th
        Assert.Equal((0L, 50L, 50L, 100L), await LiabilityAsync(On(1, 30)));       // the late void is not in January
        Assert.Equal((0L, 100L, 50L, 150L), await LiabilityAsync(On(2, 5)));       // it counts from 1 February
        Assert.Equal((0L, 20L, 50L, 70L), await LiabilityAsync(On(2, 12)));        // after Minh's 80 expired
    }

    static IEnumerable<(string, string, decimal)> Vouchers(JsonNode settlement) => settlement["vouchers"]!.AsArray()
        .Select(v => ((string)v!["payer"]!, (string)v["payee"]!, (decimal)v["amount"]!));
}
