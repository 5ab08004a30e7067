using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// A host whose clock the test moves through a few months of 2026 in Ho Chi Minh City (UTC+7). Each test makes its own
/// VND chain with restaurants a, b and c, where a point is earned per 10,000 VND, is worth 1,000 VND and expires after
/// one month, so every figure can be worked out by hand.
/// </summary>
public sealed class ChainsForAccounting : ApiFactory
{
    public static readonly TimeSpan Vietnam = TimeSpan.FromHours(7);

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, Vietnam));

    public static DateTimeOffset On(int month, int day, int hour = 12) => new(2026, month, day, hour, 0, 0, Vietnam);

    public static object Programme { get; } = new
    {
        spendPerPoint = 10_000m, pointValue = 1_000m, pointsExpireAfterMonths = 1, pointsPendingDays = 0, tierWindowMonths = 12,
        tiers = new object[] { new { name = "Member", minSpend = 0m, earnMultiplier = 1.0m } },
    };

    /// <summary>A new chain, created on 5 January 2026 (the clock is set there first).</summary>
    public async Task<AccountingChain> NewChainAsync()
    {
        Clock.Set(On(1, 5, 9));
        var chain = await TestChain.CreateAsync(this, Unique.Chain(), [("d1", "Phở A"), ("d2", "Bún B"), ("d3", "Cơm C")],
            program: Programme);
        return new AccountingChain(this, chain);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>A chain's counter calls, each made at a moment the clock is first moved to (the POS time is that moment).</summary>
public sealed class AccountingChain(ChainsForAccounting api, TestChain chain)
{
    public TestChain Chain { get; } = chain;
    public HttpClient Admin => Chain.Admin;

    public async Task<string> EarnAsync(DateTimeOffset at, string restaurant, decimal amount, string phone, string order)
    {
        api.Clock.Set(at);
        return (string)(await Chain.EarnAsync(Admin, restaurant, amount, new { phone }, order, at))["guestId"]!;
    }

    public async Task RedeemAsync(DateTimeOffset at, string restaurant, long points, string phone, string order)
    {
        api.Clock.Set(at);
        await (await Admin.PostAsJsonAsync(Chain.Url("redeem"), new { restaurantId = restaurant, orderId = order, points, occurredAt = at,
            guest = new { phone } })).ShouldBeAsync(HttpStatusCode.Created);
    }

    /// <summary>Voids an order, dated <paramref name="posTime"/> by the till, sent at <paramref name="sentAt"/>.</summary>
    public async Task VoidAsync(DateTimeOffset sentAt, string restaurant, string order, decimal? amount, DateTimeOffset? posTime = null)
    {
        api.Clock.Set(sentAt);
        await (await Admin.PostJsonAsync(Chain.Url($"orders/{restaurant}/{order}/void"),
            new { amount, occurredAt = posTime ?? sentAt }, Guid.NewGuid().ToString())).ShouldBeAsync(HttpStatusCode.OK);
    }

    public async Task AdjustAsync(DateTimeOffset at, string guestId, long points, string restaurant)
    {
        api.Clock.Set(at);
        await (await Admin.PostJsonAsync(Chain.Url($"guests/{guestId}/adjustments"), Requests.Adjust(points, restaurant),
            Guid.NewGuid().ToString())).ShouldBeAsync(HttpStatusCode.Created);
    }

    public async Task MergeAsync(DateTimeOffset at, string survivor, string absorbed)
    {
        api.Clock.Set(at);
        await (await Admin.PostAsJsonAsync(Chain.Url($"guests/{survivor}/merges"), new { otherGuestId = absorbed, reason = "same person" }))
            .ShouldBeAsync(HttpStatusCode.Created);
    }

    public async Task ExpireAsync(DateTimeOffset at)
    {
        api.Clock.Set(at);
        await (await Admin.PostAsJsonAsync(Chain.Url("jobs/expire-points"), new { })).ShouldBeAsync(HttpStatusCode.OK);
    }

    public async Task<HttpResponseMessage> CloseAsync(DateTimeOffset at, string month, HttpClient? by = null)
    {
        api.Clock.Set(at);
        return await (by ?? Admin).PostAsync(Chain.Url($"accounting/months/{month}/close"), null);
    }

    public async Task<JsonNode> ReportAsync(string report, string query, HttpClient? by = null) =>
        await (await (by ?? Admin).GetAsync(Chain.Url($"accounting/{report}?{query}"))).ShouldBeAsync(HttpStatusCode.OK);

    public async Task<byte[]> BytesAsync(string report, string query, string accept = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Chain.Url($"accounting/{report}?{query}"));
        request.Headers.Add("Accept", accept);
        var response = await Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>One restaurant's row of an allocation report.</summary>
    public static JsonNode Row(JsonNode allocation, string restaurant) =>
        allocation["restaurants"]!.AsArray().Single(r => (string)r!["restaurantId"]! == restaurant)!;

    /// <summary>(points, value) of a figure such as "issued" in a row.</summary>
    public static (long, decimal) Figure(JsonNode row, string name) => ((long)row[name]!["points"]!, (decimal)row[name]!["value"]!);
}
