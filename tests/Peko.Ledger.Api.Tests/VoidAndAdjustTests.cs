using System.Net;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>Voids and refunds (prorated, rounded down, restoring redeemed points) and manual adjustments.</summary>
public sealed class VoidAndAdjustTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Till => api.CounterD1.Client;

    Task<HttpResponseMessage> VoidAsync(string order, decimal? amount = null, string? idempotencyKey = null) =>
        Till.PostJsonAsync(api.Url($"orders/d1/{order}/void"), amount is null ? new { } : new { amount }, idempotencyKey);

    [Fact]
    public async Task Voiding_a_whole_order_takes_back_all_its_points_and_its_spend()
    {
        var order = Unique.Order();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_250_000m, new { phone = Unique.Phone() }, order))["guestId"]!;

        var voided = await (await VoidAsync(order)).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal(guestId, (string)voided["guestId"]!);
        Assert.Equal("d1", (string)voided["restaurantId"]!);
        Assert.Equal(order, (string)voided["orderId"]!);
        Assert.Equal(1_250_000m, (decimal)voided["amountVoided"]!);
        Assert.Equal(125, (long)voided["pointsTakenBack"]!);
        Assert.Equal(0, (long)voided["pointsRestored"]!);
        Assert.Equal(0, (long)voided["shortfall"]!);
        Assert.Equal(0, (long)voided["balance"]!);
        Assert.Equal(0m, (decimal)(await api.Chain.GuestAsync(guestId))["windowSpend"]!);
    }

    [Fact]
    public async Task Partial_refunds_take_back_prorated_points_rounded_down()
    {
        var order = Unique.Order();
        await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone = Unique.Phone() }, order);

        var first = await (await VoidAsync(order, 333_333m)).ShouldBeAsync(HttpStatusCode.OK);
        var second = await (await VoidAsync(order, 333_333m, "refund-2")).ShouldBeAsync(HttpStatusCode.OK);
        var rest = await (await VoidAsync(order, idempotencyKey: "refund-3")).ShouldBeAsync(HttpStatusCode.OK);

        // 100 points earned. A third of the order: floor(33.33) = 33. Two thirds in all: floor(66.67) = 66, so 33 more.
        // The rest (333,334): whatever is left of the 100, 34.
        Assert.Equal((33, 67), ((long)first["pointsTakenBack"]!, (long)first["balance"]!));
        Assert.Equal((33, 34), ((long)second["pointsTakenBack"]!, (long)second["balance"]!));
        Assert.Equal(333_334m, (decimal)rest["amountVoided"]!);
        Assert.Equal((34, 0), ((long)rest["pointsTakenBack"]!, (long)rest["balance"]!));
    }

    [Fact]
    public async Task Voiding_an_order_that_redeemed_gives_its_points_back()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone });
        var redeemOrder = Unique.Order();
        await api.Chain.RedeemAsync(Till, "d1", 40, new { phone }, redeemOrder);

        var voided = await (await VoidAsync(redeemOrder)).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal(40, (long)voided["pointsRestored"]!);
        Assert.Equal(0, (long)voided["pointsTakenBack"]!);
        Assert.Equal(100, (long)voided["balance"]!);
    }

    [Fact]
    public async Task Voiding_points_already_spent_leaves_a_negative_balance_that_the_next_earn_pays_off()
    {
        var phone = Unique.Phone();
        var order = Unique.Order();
        await api.Chain.EarnAsync(Till, "d1", 1_250_000m, new { phone }, order);
        await api.Chain.RedeemAsync(Till, "d1", 100, new { phone });

        var voided = await (await VoidAsync(order, 500_000m)).ShouldBeAsync(HttpStatusCode.OK);
        var next = await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone });

        // 125 earned, 100 spent, 25 left. 40% refunded takes back floor(125 x 0.4) = 50: 25 from the lot, 25 owed.
        Assert.Equal(50, (long)voided["pointsTakenBack"]!);
        Assert.Equal(25, (long)voided["shortfall"]!);
        Assert.Equal(-25, (long)voided["balance"]!);
        // The next 100 points pay the 25 off first.
        Assert.Equal(75, (long)next["balance"]!);
    }

    [Fact]
    public async Task A_void_retry_replays_and_a_refund_beyond_the_order_is_refused()
    {
        var order = Unique.Order();
        await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone = Unique.Phone() }, order);
        var first = await (await VoidAsync(order, 40_000m)).ShouldBeAsync(HttpStatusCode.OK);

        var retry = await VoidAsync(order, 40_000m);
        var beyond = await VoidAsync(order, 60_001m, "refund-2");

        Assert.True(JsonNode.DeepEquals(first, await retry.ShouldBeAsync(HttpStatusCode.OK)));
        Assert.True(retry.IsReplay());
        await beyond.ProblemAsync(HttpStatusCode.UnprocessableEntity, "void-exceeds-order");
    }

    [Fact]
    public async Task Concurrent_identical_voids_reverse_the_order_once()
    {
        var order = Unique.Order();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone = Unique.Phone() }, order))["guestId"]!;

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => VoidAsync(order, 500_000m)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(9, responses.Count(r => r.IsReplay()));
        Assert.Equal(50, (long)(await api.Chain.GuestAsync(guestId))["balance"]!); // half of 100 taken back, once
    }

    [Fact]
    public async Task Voiding_an_order_nobody_knows_is_404()
    {
        var response = await VoidAsync(Unique.Order());

        await response.ProblemAsync(HttpStatusCode.NotFound, "order-not-found");
    }

    [Fact]
    public async Task An_adjustment_without_an_Idempotency_Key_is_400_and_writes_nothing()
    {
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;
        var written = await api.WrittenAsync();

        var response = await api.Admin.PostJsonAsync(api.Url($"guests/{guestId}/adjustments"), Requests.Adjust(10, "d1"), null);

        await response.FieldErrorAsync("Idempotency-Key");
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task A_counter_cannot_adjust_points()
    {
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;

        var response = await Till.PostJsonAsync(api.Url($"guests/{guestId}/adjustments"), Requests.Adjust(10, "d1"), "adj-1");

        await response.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_manager_adds_points_for_their_own_restaurant_only_and_a_retry_replays()
    {
        var guestId = (string)(await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 200_000m, new { phone = Unique.Phone() }))["guestId"]!;
        var url = api.Url($"guests/{guestId}/adjustments");

        var added = await (await api.ManagerD2.Client.PostJsonAsync(url, Requests.Adjust(50, "d2"), "adj-1"))
            .ShouldBeAsync(HttpStatusCode.Created);
        var retry = await api.ManagerD2.Client.PostJsonAsync(url, Requests.Adjust(50, "d2"), "adj-1");
        var elsewhere = await api.ManagerD2.Client.PostJsonAsync(url, Requests.Adjust(50, "d1"), "adj-2");

        Assert.Equal(50, (long)added["points"]!);
        Assert.Equal(70, (long)added["balance"]!); // 20 earned + 50
        Assert.True(JsonNode.DeepEquals(added, await retry.ShouldBeAsync(HttpStatusCode.OK)));
        Assert.True(retry.IsReplay());
        await elsewhere.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(70, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
    }

    [Fact]
    public async Task An_admin_takes_points_off_but_never_below_zero()
    {
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone = Unique.Phone() }))["guestId"]!;
        var url = api.Url($"guests/{guestId}/adjustments");

        var taken = await (await api.Admin.PostJsonAsync(url, Requests.Adjust(-30, "d3", "double scan"), "adj-1"))
            .ShouldBeAsync(HttpStatusCode.Created);
        var tooMany = await api.Admin.PostJsonAsync(url, Requests.Adjust(-71, "d3", "double scan"), "adj-2");

        Assert.Equal(-30, (long)taken["points"]!);
        Assert.Equal(70, (long)taken["balance"]!);
        await tooMany.ProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient-points");
        Assert.Equal(70, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
    }

    [Theory]
    [InlineData("""{"reason":"goodwill","restaurantId":"d1"}""", "points")]
    [InlineData("""{"points":0,"reason":"goodwill","restaurantId":"d1"}""", "points")]
    [InlineData("""{"points":5,"restaurantId":"d1"}""", "reason")]
    [InlineData("""{"points":5,"reason":"  ","restaurantId":"d1"}""", "reason")]
    [InlineData("""{"points":5,"reason":"goodwill","restaurantId":"d9"}""", "restaurantId")]
    public async Task A_bad_adjustment_is_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;
        var written = await api.WrittenAsync();

        var response = await api.Admin.PostJsonAsync(api.Url($"guests/{guestId}/adjustments"), JsonNode.Parse(body)!, "adj-1");

        await response.FieldErrorAsync(field);
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task Adjusting_a_guest_nobody_knows_is_404()
    {
        var response = await api.Admin.PostJsonAsync(api.Url("guests/gst_nobody/adjustments"), Requests.Adjust(10, "d1"), "adj-1");

        await response.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
    }
}
