using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>POST /redeem: only spendable points, soonest-expiring lots first, never below zero under any race.</summary>
public sealed class RedeemTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Till => api.CounterD1.Client;

    [Fact]
    public async Task Redeeming_answers_201_with_the_discount_and_the_new_balance()
    {
        var phone = Unique.Phone();
        var earned = await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone });

        var redeemed = await api.Chain.RedeemAsync(Till, "d1", 30, new { phone });

        // 100 points earned; 30 redeemed at 1,000 VND a point.
        Assert.Equal((string)earned["guestId"]!, (string)redeemed["guestId"]!);
        Assert.Equal(30, (long)redeemed["pointsRedeemed"]!);
        Assert.Equal(30_000m, (decimal)redeemed["discount"]!);
        Assert.Equal(70, (long)redeemed["balance"]!);
    }

    [Fact]
    public async Task A_guest_found_by_lookup_can_be_redeemed_by_guest_id()
    {
        var earned = await api.Chain.EarnAsync(Till, "d1", 400_000m, new { email = Unique.Email() });

        var redeemed = await api.Chain.RedeemAsync(Till, "d1", 15, (string)earned["guestId"]!);

        Assert.Equal(25, (long)redeemed["balance"]!); // 40 - 15
    }

    [Fact]
    public async Task Redeeming_more_than_is_spendable_is_422_insufficient_points_and_writes_nothing()
    {
        var phone = Unique.Phone();
        var earned = await api.Chain.EarnAsync(Till, "d1", 200_000m, new { phone });
        var written = await api.WrittenAsync();

        var response = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", Unique.Order(), 21, new { phone }));

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient-points");
        Assert.Equal(written, await api.WrittenAsync());
        Assert.Equal(20, (long)(await api.Chain.GuestAsync((string)earned["guestId"]!))["balance"]!);
    }

    [Fact]
    public async Task Twenty_concurrent_redeems_of_10_on_a_balance_of_100_let_exactly_10_through()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }))["guestId"]!;

        // Half name the guest by phone, half by id: both ways must queue on the same guest.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Till.PostAsJsonAsync(api.Url("redeem"),
            Requests.Redeem("d1", Unique.Order(), 10, i % 2 == 0 ? guestId : new { phone }))));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient-points");
        Assert.Equal(0, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
        Assert.Equal(10, await api.ScalarAsync(
            "select count(*) from ledger.events where type = 'points-redeemed' and data->>'guestId' = $1", guestId));
    }

    [Fact]
    public async Task Twenty_concurrent_identical_redeems_spend_the_points_once()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }))["guestId"]!;
        var body = Requests.Redeem("d1", Unique.Order(), 30, new { phone });

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Till.PostAsJsonAsync(api.Url("redeem"), body)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.OK && r.IsReplay()));
        Assert.All(await Task.WhenAll(responses.Select(r => r.JsonAsync())), b => Assert.Equal(70, (long)b["balance"]!));
        Assert.Equal(70, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
    }

    [Fact]
    public async Task Concurrent_earns_and_redeems_on_one_guest_lose_no_update()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }))["guestId"]!;

        var earns = Enumerable.Range(0, 10).Select(_ => api.ManagerD2.Client.PostAsJsonAsync(api.Url("earn"),
            Requests.Earn("d2", Unique.Order(), 100_000m, new { phone })));
        var redeems = Enumerable.Range(0, 10).Select(_ => Till.PostAsJsonAsync(api.Url("redeem"),
            Requests.Redeem("d1", Unique.Order(), 5, guestId)));
        var responses = await Task.WhenAll(earns.Concat(redeems));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        // 100 + 10 x 10 earned - 10 x 5 redeemed.
        Assert.Equal(150, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
    }

    [Fact]
    public async Task A_redeem_retry_replays_and_the_same_order_with_other_points_is_409()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Till, "d1", 500_000m, new { phone });
        var order = Unique.Order();
        var body = Requests.Redeem("d1", order, 20, new { phone });
        var first = await (await Till.PostAsJsonAsync(api.Url("redeem"), body)).ShouldBeAsync(HttpStatusCode.Created);
        var written = await api.WrittenAsync();

        var retry = await Till.PostAsJsonAsync(api.Url("redeem"), body);
        var other = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", order, 25, new { phone }));

        Assert.True(JsonNode.DeepEquals(first, await retry.ShouldBeAsync(HttpStatusCode.OK)));
        Assert.True(retry.IsReplay());
        await other.ProblemAsync(HttpStatusCode.Conflict, "idempotency-key-reused");
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task Redeeming_takes_the_soonest_expiring_lot_first_and_records_each_lots_restaurant()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 1_000_000m, new { phone });
        // Earned 40 days earlier, so its lot expires 40 days sooner, although it was written second.
        var older = await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }, occurredAt: DateTimeOffset.UtcNow.AddDays(-40));

        var redeemed = await api.Chain.RedeemAsync(Till, "d1", 120, new { phone });

        Assert.Equal(80, (long)redeemed["balance"]!);
        var lots = (await api.Chain.HistoryAsync((string)older["guestId"]!))
            .Single(e => (string)e!["type"]! == "points-redeemed")!["data"]!["lots"]!.AsArray();
        Assert.Equal(["d1:100", "d2:20"], lots.Select(l => $"{(string)l!["issuedBy"]!}:{(long)l["points"]!}"));
    }

    [Fact]
    public async Task Points_inside_the_return_window_are_pending_and_cannot_be_redeemed()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")], program: Programmes.Vnd(pendingDays: 14));
        var till = (await chain.IssueKeyAsync("counter", "r1")).Client;
        var phone = Unique.Phone();

        var earned = await chain.EarnAsync(till, "r1", 500_000m, new { phone });
        var redeem = await till.PostAsJsonAsync(chain.Url("redeem"), Requests.Redeem("r1", Unique.Order(), 10, new { phone }));

        Assert.Equal(50, (long)earned["balance"]!);
        Assert.Equal(50, (long)earned["pendingPoints"]!);
        await redeem.ProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient-points");
    }

    [Fact]
    public async Task Redeeming_for_a_guest_nobody_knows_is_404()
    {
        var byPhone = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", Unique.Order(), 10, new { phone = Unique.Phone() }));
        var byId = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", Unique.Order(), 10, "gst_nobody"));

        await byPhone.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
        await byId.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
    }
}
