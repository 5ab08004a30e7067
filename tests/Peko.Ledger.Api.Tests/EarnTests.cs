using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Tests;

/// <summary>POST /earn: points by the programme, one pooled balance, and retries that never earn twice.</summary>
public sealed class EarnTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Till => api.CounterD1.Client;

    [Fact]
    public async Task Earning_answers_201_with_the_points_the_balance_and_the_lot_expiry()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        // 20:00 UTC yesterday is 03:00 today in Ho Chi Minh City (UTC+7): the lot is dated today, in the chain's zone.
        var occurredAt = new DateTimeOffset(today.AddDays(-1).ToDateTime(new TimeOnly(20, 0)), TimeSpan.Zero);

        var earned = await api.Chain.EarnAsync(Till, "d1", 1_250_000m, new { phone = Unique.Phone(), name = "Linh" },
            occurredAt: occurredAt);

        // 1,250,000 VND at 10,000 VND a point, Bronze x1.0: 125 points, spendable at once (0 pending days).
        Assert.False(string.IsNullOrEmpty((string?)earned["guestId"]));
        Assert.Equal(125, (long)earned["pointsEarned"]!);
        Assert.Equal(125, (long)earned["balance"]!);
        Assert.Equal(0, (long)earned["pendingPoints"]!);
        Assert.Equal("Bronze", (string)earned["tier"]!);
        Assert.Equal(today.AddMonths(24).ToString("yyyy-MM-dd"), (string)earned["lotExpiresOn"]!);
    }

    [Fact]
    public async Task The_same_order_id_at_two_restaurants_is_two_orders()
    {
        var order = Unique.Order();
        var phone = Unique.Phone();

        await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone }, order);
        var atD2 = await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 100_000m, new { phone }, order);

        Assert.Equal(20, (long)atD2["balance"]!);
    }

    [Fact]
    public async Task Points_earned_at_any_restaurant_of_the_chain_pool_into_one_balance()
    {
        var phone = Unique.Phone();

        var atD1 = await api.Chain.EarnAsync(Till, "d1", 300_000m, new { phone });
        var atD2 = await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 450_000m, new { phone = "+84" + phone[1..] });

        // 30 + 45 points on one guest, whichever way each till wrote the number.
        Assert.Equal((string)atD1["guestId"]!, (string)atD2["guestId"]!);
        Assert.Equal(45, (long)atD2["pointsEarned"]!);
        Assert.Equal(75, (long)atD2["balance"]!);
    }

    [Fact]
    public async Task A_retry_with_the_same_body_replays_the_first_response_and_writes_nothing()
    {
        var order = Unique.Order();
        var body = Requests.Earn("d1", order, 870_000m, new { phone = Unique.Phone() });
        var first = await Till.PostAsJsonAsync(api.Url("earn"), body);
        var firstBody = await first.ShouldBeAsync(HttpStatusCode.Created);
        var written = await api.WrittenAsync();

        var retry = await Till.PostAsJsonAsync(api.Url("earn"), body);

        Assert.True(JsonNode.DeepEquals(firstBody, await retry.ShouldBeAsync(HttpStatusCode.OK)));
        Assert.True(retry.IsReplay());
        Assert.False(first.IsReplay());
        Assert.Equal(written, await api.WrittenAsync());
        Assert.Equal(1, await EarnedEventsAsync(order));
    }

    [Fact]
    public async Task A_retry_written_or_typed_differently_is_still_a_retry()
    {
        var order = Unique.Order();
        var phone = Unique.Phone();
        var first = await Till.PostAsync(api.Url("earn"), Json($$$"""
            {"restaurantId": "d1", "orderId": "{{{order}}}", "amount": 870000,
             "occurredAt": "2026-11-14T11:30:00+07:00", "guest": {"phone": "{{{phone}}}"}}
            """));
        var firstBody = await first.ShouldBeAsync(HttpStatusCode.Created);
        var written = await api.WrittenAsync();

        // The same request after the till's queue re-serialised it (the amount as a float, the time in UTC), and staff
        // typed the phone again in another form.
        var retry = await Till.PostAsync(api.Url("earn"), Json($$$"""
            {"guest": {"phone": "+84 {{{phone[1..]}}}"}, "occurredAt": "2026-11-14T04:30:00Z", "amount": 870000.00,
             "orderId": "{{{order}}}", "restaurantId": "d1"}
            """));

        Assert.True(JsonNode.DeepEquals(firstBody, await retry.ShouldBeAsync(HttpStatusCode.OK)));
        Assert.True(retry.IsReplay());
        Assert.Equal(written, await api.WrittenAsync());
        // Another instant is another request.
        var later = await Till.PostAsync(api.Url("earn"), Json($$$"""
            {"restaurantId": "d1", "orderId": "{{{order}}}", "amount": 870000,
             "occurredAt": "2026-11-14T11:30:00Z", "guest": {"phone": "{{{phone}}}"}}
            """));
        await later.ProblemAsync(HttpStatusCode.Conflict, "idempotency-key-reused");
    }

    static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_same_order_with_a_different_body_is_409_and_writes_nothing()
    {
        var order = Unique.Order();
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Till, "d1", 500_000m, new { phone }, order);
        var written = await api.WrittenAsync();

        var changed = await Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", order, 600_000m, new { phone }));

        await changed.ProblemAsync(HttpStatusCode.Conflict, "idempotency-key-reused");
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task Fifty_concurrent_identical_earns_write_exactly_one_PointsEarned_event()
    {
        var order = Unique.Order();
        var body = Requests.Earn("d1", order, 730_000m, new { phone = Unique.Phone() });
        var guestsBefore = await api.ScalarAsync("select count(*) from ledger.guests");

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Till.PostAsJsonAsync(api.Url("earn"), body)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.OK && r.IsReplay()));
        var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
        Assert.Single(bodies.Select(b => (string)b["guestId"]!).Distinct());
        Assert.All(bodies, b => Assert.Equal(73, (long)b["pointsEarned"]!)); // 730,000 / 10,000
        Assert.Equal(1, await EarnedEventsAsync(order));
        Assert.Equal(guestsBefore + 1, await api.ScalarAsync("select count(*) from ledger.guests"));
    }

    [Fact]
    public async Task Concurrent_earns_of_different_orders_for_a_new_guest_make_one_guest_and_lose_no_points()
    {
        var phone = Unique.Phone();

        var responses = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", Unique.Order(), i * 10_000m, new { phone }))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var guestIds = (await Task.WhenAll(responses.Select(r => r.JsonAsync()))).Select(b => (string)b["guestId"]!).Distinct();
        var guest = await api.Chain.GuestAsync(Assert.Single(guestIds));
        Assert.Equal(210, (long)guest["balance"]!); // 1 + 2 + ... + 20 points
        Assert.Equal(20, guest["openLots"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_guest_whose_tier_is_Silver_earns_with_the_Silver_multiplier()
    {
        var phone = Unique.Phone();
        var first = await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone });
        var guestId = (string)first["guestId"]!;
        await TierMovesAsync(guestId, "Bronze", "Silver");

        var earned = await api.Chain.EarnAsync(Till, "d1", 1_010_000m, new { phone });

        // 1,010,000 / 10,000 = 101 points x 1.25 = 126.25, rounded down.
        Assert.Equal(100, (long)first["pointsEarned"]!);
        Assert.Equal(126, (long)earned["pointsEarned"]!);
        Assert.Equal("Silver", (string)earned["tier"]!);
        Assert.Equal(226, (long)earned["balance"]!);
    }

    [Fact]
    public async Task Every_earn_counts_its_amount_toward_the_tier_window()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Till, "d1", 2_000_000m, new { phone });
        var last = await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 3_500_000m, new { phone });

        var guest = await api.Chain.GuestAsync((string)last["guestId"]!);

        Assert.Equal(5_500_000m, (decimal)guest["windowSpend"]!);
        Assert.Equal(12, (int)guest["tierWindowMonths"]!);
        Assert.Equal(2, guest["openLots"]!.AsArray().Count);
    }

    Task<long> EarnedEventsAsync(string order) => api.ScalarAsync(
        "select count(*) from ledger.events where type = 'points-earned' and data->>'orderId' = $1", order);

    /// <summary>
    /// Moves the guest's tier as the nightly tier recompute (issue 5) will: a TierChanged on the membership stream.
    /// Until that job exists, this is the only way a guest leaves the base tier.
    /// </summary>
    async Task TierMovesAsync(string guestId, string from, string to)
    {
        var store = api.Services.GetRequiredService<LedgerStore>();
        await store.AppendAsync(ChainWithThreeRestaurants.ChainId, new StreamAppend(LedgerEventTypes.MembershipStream(guestId),
            "membership", ExpectedVersion.Any, new TierChanged(guestId, from, to, 6_000_000m,
                DateOnly.FromDateTime(DateTime.UtcNow))), new EventMetadata { Actor = "tier-recompute" });
    }
}
