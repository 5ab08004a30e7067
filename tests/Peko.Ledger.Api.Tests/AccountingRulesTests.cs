using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.EventStore.Projections;
using static Peko.Ledger.Api.Tests.AccountingChain;
using static Peko.Ledger.Api.Tests.ChainsForAccounting;

namespace Peko.Ledger.Api.Tests;

/// <summary>Accounting against the ledger itself: shortfalls, reconciliation, rebuilds, closing rules, who sees what (issue 6).</summary>
public sealed class AccountingRulesTests(ChainsForAccounting api) : IClassFixture<ChainsForAccounting>
{
    [Fact]
    public async Task A_shortfall_is_voided_from_the_order_restaurant_and_repaid_from_the_next_earn()
    {
        var chain = await api.NewChainAsync();
        var phone = Unique.Phone();
        await chain.EarnAsync(On(1, 10), "d1", 1_000_000m, phone, "o-1");   // 100 at d1
        await chain.RedeemAsync(On(1, 11), "d2", 100, phone, "o-2");         // all spent at d2
        await chain.VoidAsync(On(1, 12), "d1", "o-1", null);                 // d1 refunds the order: 100 owed
        var guest = await chain.EarnAsync(On(1, 13), "d3", 1_500_000m, phone, "o-3"); // 150 at d3: 100 repay, 50 kept
        api.Clock.Set(On(2, 1));

        var january = await chain.ReportAsync("allocation", "month=2026-01");

        // d1: issued 100, redeemed 100 at d2, voided 100 (the shortfall), then the shortfall repaid: voided back to 0.
        Assert.Equal((100L, 100_000m), Figure(Row(january, "d1"), "issued"));
        Assert.Equal((0L, 0m), Figure(Row(january, "d1"), "voided"));
        Assert.Equal((0L, 0m), Figure(Row(january, "d1"), "closing"));
        Assert.Equal((50L, 50_000m), Figure(Row(january, "d3"), "issued")); // the 100 that repaid d1 were never d3's liability
        Assert.Equal((50L, 50_000m), Figure(Row(january, "d3"), "closing"));
        Assert.Equal(50, (long)(await chain.Chain.GuestAsync(guest))["balance"]!);
        Assert.All(january["restaurants"]!.AsArray(), r => Assert.True((bool)r!["reconciles"]!));
    }

    [Fact]
    public async Task After_a_run_of_random_operations_the_liability_equals_the_ledger_and_a_rebuild_gives_the_same_reports()
    {
        var chain = await api.NewChainAsync();
        var random = new Random(6);
        var phones = Enumerable.Range(0, 6).Select(_ => Unique.Phone()).ToList();
        var orders = new List<(string Restaurant, string Order)>();
        var restaurants = new[] { "d1", "d2", "d3" };
        var at = On(1, 6);
        for (var i = 0; i < 60; i++)
        {
            at = at.AddHours(random.Next(1, 20));
            var phone = phones[random.Next(phones.Count)];
            var restaurant = restaurants[random.Next(3)];
            var order = $"o-{i}";
            switch (random.Next(5))
            {
                case 0 or 1:
                    await chain.EarnAsync(at, restaurant, random.Next(1, 40) * 50_000m, phone, order);
                    orders.Add((restaurant, order));
                    break;
                case 2:
                    api.Clock.Set(at);
                    var redeemed = await chain.Admin.PostAsJsonAsync(chain.Chain.Url("redeem"), new
                        { restaurantId = restaurant, orderId = order, points = random.Next(5, 60), occurredAt = at, guest = new { phone } });
                    if (redeemed.IsSuccessStatusCode) orders.Add((restaurant, order));
                    break;
                case 3 when orders.Count > 0:
                    var (r, o) = orders[random.Next(orders.Count)];
                    api.Clock.Set(at);
                    await chain.Admin.PostJsonAsync(chain.Chain.Url($"orders/{r}/{o}/void"), new { occurredAt = at }, $"v-{i}");
                    break;
                default:
                    var guest = await chain.EarnAsync(at, restaurant, 100_000m, phone, order);
                    orders.Add((restaurant, order));
                    await chain.AdjustAsync(at.AddMinutes(1), guest, random.Next(2) == 0 ? 7 : -3, restaurant);
                    break;
            }
        }
        // Two of the guests turn out to be one person, holding lots (and perhaps a shortfall) from several restaurants.
        var first = await chain.EarnAsync(at.AddHours(1), "d1", 50_000m, phones[0], "o-m0");
        var second = await chain.EarnAsync(at.AddHours(2), "d2", 50_000m, phones[1], "o-m1");
        await chain.MergeAsync(at.AddHours(3), first, second);
        await chain.ExpireAsync(On(2, 20));
        api.Clock.Set(On(3, 2));

        var liability = await chain.ReportAsync("liability", "");
        var ledger = await api.ScalarAsync("""
            select (select coalesce(sum(remaining), 0) from ledger.points_lots where chain_id = $1 and expires_on > '2026-02-20')
                 - (select coalesce(sum(p.deficit), 0) from ledger.guest_points p join ledger.guests g using (guest_id) where g.chain_id = $1)
            """, chain.Chain.Id);
        Assert.Equal(ledger, (long)liability["total"]!["points"]!);

        await (await chain.CloseAsync(On(3, 2), "2026-01")).ShouldBeAsync(HttpStatusCode.OK);
        var reports = new[] { ("allocation", "month=2026-01"), ("settlement", "month=2026-01"), ("allocation", "month=2026-02"),
            ("settlement", "month=2026-02"), ("liability", "asOf=2026-02-15T00:00:00Z") };
        var before = new List<byte[]>();
        foreach (var (report, query) in reports) before.Add(await chain.BytesAsync(report, query));

        await api.Services.GetRequiredService<ProjectionDaemon>().RebuildAsync("accounting", CancellationToken.None);
        // A closed month is served from what was kept at its close; render it afresh from the rebuilt rows too.
        await api.ScalarAsync("delete from ledger.accounting_reports where chain_id = $1", chain.Chain.Id);

        for (var i = 0; i < reports.Length; i++)
            Assert.Equal(Encoding(before[i]), Encoding(await chain.BytesAsync(reports[i].Item1, reports[i].Item2)));
        var february = await chain.ReportAsync("allocation", "month=2026-02");
        Assert.All(february["restaurants"]!.AsArray(), r => Assert.True((bool)r!["reconciles"]!));
    }

    static string Encoding(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    [Fact]
    public async Task The_first_close_takes_earlier_months_with_it_then_months_close_in_order_once_ended_and_only_once()
    {
        var chain = await api.NewChainAsync();
        await chain.EarnAsync(On(1, 10), "d1", 100_000m, Unique.Phone(), "o-1");

        await (await chain.CloseAsync(On(1, 31, 23), "2026-01")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "month-not-ended");
        await (await chain.CloseAsync(On(3, 2), "2026-1")).FieldErrorAsync("month");
        await (await chain.CloseAsync(On(3, 2), "2026-01")).ShouldBeAsync(HttpStatusCode.OK); // and every month before it
        await (await chain.CloseAsync(On(3, 2), "2026-01")).ProblemAsync(HttpStatusCode.Conflict, "month-already-closed");
        await (await chain.CloseAsync(On(3, 2), "2025-12")).ProblemAsync(HttpStatusCode.Conflict, "month-already-closed");
        await (await chain.CloseAsync(On(4, 2), "2026-03")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "close-months-in-order");
        var settings = await (await chain.Admin.GetAsync(chain.Chain.Url("accounting/settings"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("2026-01", "2026-02"), ((string)settings["closedThrough"]!, (string)settings["nextToClose"]!));
        var january = await chain.ReportAsync("allocation", "month=2026-01");
        Assert.Equal("closed", (string)january["report"]!["status"]!);
        var december = await chain.ReportAsync("allocation", "month=2025-12");
        Assert.Equal("closed", (string)december["report"]!["status"]!);
    }

    [Fact]
    public async Task Reports_refuse_bad_months_and_settings_refuse_bad_values()
    {
        var chain = await api.NewChainAsync();
        api.Clock.Set(On(2, 1));
        await (await chain.Admin.GetAsync(chain.Chain.Url("accounting/allocation"))).FieldErrorAsync("month");
        await (await chain.Admin.GetAsync(chain.Chain.Url("accounting/allocation?month=March"))).FieldErrorAsync("month");
        await (await chain.Admin.GetAsync(chain.Chain.Url("accounting/settlement?month=2026-03"))).FieldErrorAsync("month");
        await (await chain.Admin.GetAsync(chain.Chain.Url("accounting/liability?asOf=2030-01-01T00:00:00Z"))).FieldErrorAsync("asOf");
        await (await chain.Admin.PutAsJsonAsync(chain.Chain.Url("accounting/settings"), new { settlementPolicy = "whoever" }))
            .FieldErrorAsync("settlementPolicy");
        await (await chain.Admin.PutAsJsonAsync(chain.Chain.Url("accounting/settings"),
            new { settlementPolicy = "reserve", expectedRedemptionRate = 1.5m })).FieldErrorAsync("expectedRedemptionRate");
        Assert.Equal(0, await api.ScalarAsync("select count(*) from ledger.events where stream_id = $1", $"accounting-{chain.Chain.Id}"));
    }

    [Fact]
    public async Task A_manager_sees_their_restaurant_only_and_a_counter_sees_nothing()
    {
        var chain = await api.NewChainAsync();
        var phone = Unique.Phone();
        await chain.EarnAsync(On(1, 10), "d1", 1_000_000m, phone, "o-1");
        await chain.RedeemAsync(On(1, 11), "d2", 40, phone, "o-2");
        api.Clock.Set(On(2, 1));
        var manager = await chain.Chain.IssueKeyAsync("manager", "d2");
        var counter = await chain.Chain.IssueKeyAsync("counter", "d2");
        var accountant = await chain.Chain.IssueKeyAsync("accountant");

        var allocation = await chain.ReportAsync("allocation", "month=2026-01", manager.Client);
        Assert.Equal(["d2"], allocation["restaurants"]!.AsArray().Select(r => (string)r!["restaurantId"]!));
        Assert.Null(allocation["chain"]);
        var settlement = await chain.ReportAsync("settlement", "month=2026-01", manager.Client);
        Assert.Equal([("d1", "d2", 40_000m)], settlement["vouchers"]!.AsArray()
            .Select(v => ((string)v!["payer"]!, (string)v["payee"]!, (decimal)v["amount"]!)));
        Assert.Null(settlement["reserve"]!["closing"]);
        await (await counter.Client.GetAsync(chain.Chain.Url("accounting/allocation?month=2026-01"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await manager.Client.PostAsync(chain.Chain.Url("accounting/months/2026-01/close"), null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await accountant.Client.PutAsJsonAsync(chain.Chain.Url("accounting/settings"), new { settlementPolicy = "reserve" }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await chain.CloseAsync(On(2, 1), "2026-01", accountant.Client)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reports_come_as_csv_with_the_currency_precision()
    {
        var chain = await api.NewChainAsync();
        await chain.EarnAsync(On(1, 10), "d1", 1_000_000m, Unique.Phone(), "o-1");
        api.Clock.Set(On(2, 1));

        var csv = System.Text.Encoding.UTF8.GetString(await chain.BytesAsync("allocation", "month=2026-01", "text/csv"))
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("month,status,currency,restaurantId,restaurantName,openingPoints,openingValue,issuedPoints,issuedValue", csv[0]);
        Assert.Equal(5, csv.Length); // header, d1, d2, d3, chain
        Assert.StartsWith("2026-01,open,VND,d1,Phở A,0,0,100,100000,", csv[1]);
        var liability = System.Text.Encoding.UTF8.GetString(await chain.BytesAsync("liability", "", "text/csv"));
        Assert.Contains(",VND,d1,Phở A,100,100000\r\n", liability);
    }

    [Fact]
    public async Task Values_carry_the_currency_decimal_places()
    {
        api.Clock.Set(On(1, 5));
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("sthlm-1", "Söder")], currency: "SEK", region: "SE",
            timeZone: "Europe/Stockholm", program: Programmes.Sek());
        api.Clock.Set(On(1, 10));
        await chain.EarnAsync(chain.Admin, "sthlm-1", 1_005m, new { phone = "+46701234567" }, "o-1", On(1, 10)); // 100 points of 0.50 SEK
        api.Clock.Set(On(2, 1));

        var csv = System.Text.Encoding.UTF8.GetString(await (await chain.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            chain.Url("accounting/allocation?month=2026-01")) { Headers = { { "Accept", "text/csv" } } })).Content.ReadAsByteArrayAsync());
        var json = await (await chain.Admin.GetAsync(chain.Url("accounting/allocation?month=2026-01"))).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Contains("2026-01,open,SEK,sthlm-1,Söder,0,0.00,100,50.00,", csv);
        Assert.Equal("50.00", Row(json, "sthlm-1")["issued"]!["value"]!.ToJsonString());
    }
}
