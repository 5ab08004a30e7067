using System.Net;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>GET /guests (a manager sees their restaurant's guests, a page at a time) and GET /guests/{id}/history.</summary>
public sealed class GuestListAndHistoryTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Till => api.CounterD1.Client;
    HttpClient Manager => api.ManagerD2.Client;

    async Task<string> GuestVisitingAsync(string restaurantId)
    {
        var by = restaurantId == "d1" ? Till : restaurantId == "d2" ? Manager : api.Admin;
        return (string)(await api.Chain.EarnAsync(by, restaurantId, 100_000m, new { phone = Unique.Phone() }))["guestId"]!;
    }

    async Task<List<string>> AllPagesAsync(HttpClient by, string query, int limit)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await by.GetAsync(api.Url($"guests?{query}&limit={limit}&cursor={cursor}"))).ShouldBeAsync(HttpStatusCode.OK);
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 0, limit);
            ids.AddRange(items.Select(i => (string)i!["guestId"]!));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        return ids;
    }

    [Fact]
    public async Task A_manager_lists_only_the_guests_who_visited_their_restaurant()
    {
        var atD2 = await GuestVisitingAsync("d2");
        var atD1Only = await GuestVisitingAsync("d1");
        var atBoth = await GuestVisitingAsync("d1");
        await api.Chain.RedeemAsync(Manager, "d2", 1, atBoth); // a redemption is a visit too

        var listed = await AllPagesAsync(Manager, "restaurantId=d2", 500);
        var ownByDefault = await AllPagesAsync(Manager, "x=1", 500);

        Assert.Contains(atD2, listed);
        Assert.Contains(atBoth, listed);
        Assert.DoesNotContain(atD1Only, listed);
        Assert.Equal(listed, ownByDefault);
    }

    [Fact]
    public async Task The_list_comes_a_page_at_a_time_with_a_cursor()
    {
        for (var i = 0; i < 5; i++) await GuestVisitingAsync("d3");

        var paged = await AllPagesAsync(api.Admin, "restaurantId=d3", 2);
        var whole = await AllPagesAsync(api.Admin, "restaurantId=d3", 500);

        Assert.True(whole.Count >= 5);
        Assert.Equal(whole, paged);
        Assert.Equal(paged.Count, paged.Distinct().Count());
    }

    [Fact]
    public async Task A_manager_asking_for_another_restaurants_guests_is_403()
    {
        var response = await Manager.GetAsync(api.Url("guests?restaurantId=d1"));

        await response.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_manager_reading_a_guest_who_never_visited_their_restaurant_gets_404()
    {
        var stranger = await GuestVisitingAsync("d1");
        var regular = await GuestVisitingAsync("d2");

        await (await Manager.GetAsync(api.Url($"guests/{stranger}"))).ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
        await (await Manager.GetAsync(api.Url($"guests/{regular}"))).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_counter_reaches_guests_only_by_exact_identifier()
    {
        var guestId = await GuestVisitingAsync("d1");

        await (await Till.GetAsync(api.Url("guests?restaurantId=d1"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await Till.GetAsync(api.Url($"guests/{guestId}"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await Till.GetAsync(api.Url($"guests/{guestId}/history"))).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task History_lists_every_event_in_order_with_who_did_it_and_where()
    {
        var phone = Unique.Phone();
        var earnOrder = Unique.Order();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 1_000_000m, new { phone }, earnOrder))["guestId"]!;
        await api.Chain.RedeemAsync(Till, "d1", 10, new { phone });
        await (await api.Admin.PostJsonAsync(api.Url($"guests/{guestId}/adjustments"), Requests.Adjust(5, "d3"), "adj-1"))
            .ShouldBeAsync(HttpStatusCode.Created);

        var history = (await (await api.Auditor.Client.GetAsync(api.Url($"guests/{guestId}/history")))
            .ShouldBeAsync(HttpStatusCode.OK)).AsArray().Select(e => e!.AsObject()).ToList();

        var seqs = history.Select(e => (long)e["seq"]!).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(["points-earned", "points-redeemed", "points-adjusted"],
            history.Where(e => ((string)e["stream"]!).StartsWith("points-", StringComparison.Ordinal)).Select(e => (string)e["type"]!));
        Assert.Contains(history, e => (string)e["type"]! == "guest-registered");
        Assert.Contains(history, e => (string)e["type"]! == "spend-recorded");
        var earned = history.Single(e => (string)e["type"]! == "points-earned");
        Assert.Equal(api.CounterD1.KeyId, (string)earned["actor"]!);
        Assert.Equal("d1", (string)earned["restaurantId"]!);
        Assert.Equal(earnOrder, (string)earned["data"]!["orderId"]!);
        Assert.Equal(100, (long)earned["data"]!["points"]!);
        Assert.NotNull(earned["recordedAt"]);
        Assert.NotNull(earned["data"]!["occurredAt"]);
        Assert.Equal(1, (int)earned["data"]!["programmeVersion"]!);
        var adjusted = history.Single(e => (string)e["type"]! == "points-adjusted");
        Assert.Equal(api.Chain.AdminKey.KeyId, (string)adjusted["actor"]!);
        Assert.Equal("d3", (string)adjusted["restaurantId"]!);
    }

    [Fact]
    public async Task History_masks_identifiers_for_auditors_and_shows_them_to_admins()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone }, Unique.Order()))["guestId"]!;
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray())[1..]; // national number without the trunk 0

        var audited = await (await api.Auditor.Client.GetAsync(api.Url($"guests/{guestId}/history"))).Content.ReadAsStringAsync();
        var administered = await (await api.Admin.GetAsync(api.Url($"guests/{guestId}/history"))).Content.ReadAsStringAsync();

        Assert.Contains("guest-identifier-linked", audited);
        Assert.DoesNotContain(digits, audited);
        Assert.Contains(digits, administered);
    }

    [Fact]
    public async Task Only_auditors_and_admins_read_history()
    {
        var guestId = await GuestVisitingAsync("d2");

        await (await Manager.GetAsync(api.Url($"guests/{guestId}/history"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await api.Admin.GetAsync(api.Url($"guests/{guestId}/history"))).ShouldBeAsync(HttpStatusCode.OK);
        await (await api.Auditor.Client.GetAsync(api.Url("guests/gst_nobody/history"))).ProblemAsync(HttpStatusCode.NotFound);
    }
}
