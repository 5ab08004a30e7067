using System.Net;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>GET /lookup (what a till shows) and GET /guests/{id} (what managers, auditors and admins see).</summary>
public sealed class LookupAndGuestTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Till => api.CounterD1.Client;

    Task<HttpResponseMessage> LookupAsync(HttpClient by, string query, string value) =>
        by.GetAsync(api.Url($"lookup?{query}={Uri.EscapeDataString(value)}"));

    [Fact]
    public async Task A_phone_in_any_format_finds_the_same_guest_and_the_answer_never_carries_the_number()
    {
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 500_000m, new { phone = "0903 123 482" }))["guestId"]!;

        foreach (var spelling in new[] { "0903 123 482", "+84903123482", "84903123482", "+84 903 123 482" })
        {
            var response = await LookupAsync(Till, "phone", spelling);
            var raw = await response.Content.ReadAsStringAsync();

            Assert.Equal(guestId, (string)(await response.ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
            Assert.DoesNotContain("903123482", raw);
            Assert.DoesNotContain("903 123 482", raw);
        }
    }

    [Fact]
    public async Task An_email_is_found_whatever_its_case_and_the_answer_never_carries_it()
    {
        var email = Unique.Email();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 500_000m, new { email }))["guestId"]!;

        var response = await LookupAsync(Till, "email", "  " + email.ToUpperInvariant());
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(guestId, (string)(await response.ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        Assert.DoesNotContain(email.Split('@')[0], raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_identifier_nobody_holds_is_404()
    {
        await (await LookupAsync(Till, "phone", Unique.Phone())).ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
        await (await LookupAsync(Till, "email", Unique.Email())).ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
    }

    [Fact]
    public async Task Lookup_shows_the_till_the_guests_name_tier_points_and_last_visit()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Till, "d1", 700_000m, new { phone, name = "Linh" }, occurredAt: DateTimeOffset.UtcNow.AddDays(-3));
        var lastVisit = DateTimeOffset.UtcNow.AddHours(-1);
        await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 300_000m, new { phone }, occurredAt: lastVisit);

        var found = await (await LookupAsync(Till, "phone", phone)).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal("Linh", (string)found["displayName"]!);
        Assert.Equal("Bronze", (string)found["tier"]!);
        Assert.Equal(100, (long)found["balance"]!); // 70 + 30
        Assert.Equal(0, (long)found["pendingPoints"]!);
        Assert.Equal(1_000m, (decimal)found["pointValue"]!);
        Assert.Equal("d2", (string)found["lastVisit"]!["restaurantId"]!);
        Assert.Equal("Phở Lê Lợi", (string)found["lastVisit"]!["restaurantName"]!);
        Assert.Equal(lastVisit.ToUnixTimeSeconds(), ((DateTimeOffset)found["lastVisit"]!["at"]!).ToUnixTimeSeconds());
        Assert.InRange((int)found["spendPercentile"]!, 0, 100);
        Assert.NotNull(found["vip"]);
    }

    [Fact]
    public async Task A_pos_customer_id_finds_the_guest_only_at_the_restaurant_that_issued_it()
    {
        var customer = Unique.Order();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { posCustomerId = customer }))["guestId"]!;

        var atD1 = await LookupAsync(Till, "posCustomerId", customer);
        var atD2 = await api.Admin.GetAsync(api.Url($"lookup?posCustomerId={customer}&restaurantId=d2"));

        Assert.Equal(guestId, (string)(await atD1.ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        await atD2.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
    }

    [Fact]
    public async Task Lookup_tells_the_till_a_top_5_percent_spender_is_a_VIP()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var phones = Enumerable.Range(1, 20).Select(_ => Unique.Phone()).ToList();
        for (var i = 0; i < phones.Count; i++) await chain.EarnAsync(chain.Admin, "r1", (i + 1) * 100_000m, new { phone = phones[i] });

        async Task<JsonNode> Lookup(string phone) =>
            await (await chain.Admin.GetAsync(chain.Url($"lookup?phone={phone}"))).ShouldBeAsync(HttpStatusCode.OK);

        // Twenty members: the top spender outspends 19 of 20 (95%), the next 18 of 20 (90%), the lowest nobody.
        var top = await Lookup(phones[19]);
        var next = await Lookup(phones[18]);
        var lowest = await Lookup(phones[0]);
        Assert.Equal((95, true), ((int)top["spendPercentile"]!, (bool)top["vip"]!));
        Assert.Equal((90, false), ((int)next["spendPercentile"]!, (bool)next["vip"]!));
        Assert.Equal((0, false), ((int)lowest["spendPercentile"]!, (bool)lowest["vip"]!));
    }

    [Fact]
    public async Task Identifiers_given_later_are_linked_to_the_same_guest()
    {
        var phone = Unique.Phone();
        var email = Unique.Email();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone }))["guestId"]!;
        await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone, email });

        var byEmail = await (await LookupAsync(Till, "email", email)).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal(guestId, (string)byEmail["guestId"]!);
        Assert.Equal(20, (long)byEmail["balance"]!);
    }

    [Fact]
    public async Task The_guest_view_masks_phone_and_email_for_a_manager_and_an_auditor_but_not_for_an_admin()
    {
        var phone = Unique.Phone();
        var email = Unique.Email();
        var guestId = (string)(await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 100_000m, new { phone, email }))["guestId"]!;
        var url = api.Url($"guests/{guestId}");

        foreach (var masked in new[] { api.ManagerD2.Client, api.Auditor.Client })
        {
            var raw = (await (await masked.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK)).ToJsonString();
            Assert.Contains("***", raw);
            Assert.DoesNotContain(phone[1..], raw);
            Assert.DoesNotContain(email.Split('@')[0], raw, StringComparison.OrdinalIgnoreCase);
        }
        var admin = await (await api.Admin.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);
        var values = admin["identifiers"]!.AsArray().Select(i => $"{(string)i!["kind"]!}={(string)i["value"]!}");
        Assert.Equal([$"email={email.ToLowerInvariant()}", $"phone=+84{phone[1..]}"], values.Order());
    }

    [Fact]
    public async Task The_guest_view_shows_balance_tier_spend_and_open_lots()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }))["guestId"]!;
        await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 500_000m, new { phone });
        await api.Chain.RedeemAsync(Till, "d1", 30, new { phone });

        var guest = await (await api.Auditor.Client.GetAsync(api.Url($"guests/{guestId}"))).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal(120, (long)guest["balance"]!); // 100 + 50 - 30
        Assert.Equal(0, (long)guest["pendingPoints"]!);
        Assert.Equal("Bronze", (string)guest["tier"]!);
        Assert.Equal(1_500_000m, (decimal)guest["windowSpend"]!);
        var lots = guest["openLots"]!.AsArray().Select(l => $"{(string)l!["restaurantId"]!}:{(long)l["remaining"]!}/{(long)l["points"]!}");
        Assert.Equal(["d1:70/100", "d2:50/50"], lots.Order());
    }

    [Fact]
    public async Task A_guest_nobody_knows_is_404()
    {
        await (await api.Admin.GetAsync(api.Url("guests/gst_nobody"))).ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
    }
}
