using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;

namespace Peko.Ledger.Api.Tests;

/// <summary>Who may do what: 401 without a valid key, 403 outside a key's role or restaurant, 404 for other chains, 429.</summary>
public sealed class AccessTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    const string Chain = ChainWithThreeRestaurants.ChainId;

    /// <summary>One call of every /v1 route of the chain: method and path (bodies, where needed, are empty).</summary>
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", $"/v1/chains/{Chain}" },
        { "PUT", $"/v1/chains/{Chain}/program" },
        { "POST", $"/v1/chains/{Chain}/restaurants" },
        { "POST", $"/v1/chains/{Chain}/api-keys" },
        { "DELETE", $"/v1/chains/{Chain}/api-keys/key_0000000000000000" },
        { "POST", $"/v1/chains/{Chain}/earn" },
        { "POST", $"/v1/chains/{Chain}/redeem" },
        { "POST", $"/v1/chains/{Chain}/orders/d1/o-1/void" },
        { "POST", $"/v1/chains/{Chain}/guests/gst_1/adjustments" },
        { "GET", $"/v1/chains/{Chain}/lookup?phone=0903123482" },
        { "GET", $"/v1/chains/{Chain}/guests" },
        { "GET", $"/v1/chains/{Chain}/guests/gst_1" },
        { "GET", $"/v1/chains/{Chain}/guests/gst_1/history" },
        { "GET", $"/v1/chains/{Chain}/accounting/allocation?month=2026-01" },
        { "GET", $"/v1/chains/{Chain}/accounting/settlement?month=2026-01" },
        { "GET", $"/v1/chains/{Chain}/accounting/liability" },
        { "GET", $"/v1/chains/{Chain}/accounting/settings" },
        { "PUT", $"/v1/chains/{Chain}/accounting/settings" },
        { "POST", $"/v1/chains/{Chain}/accounting/months/2026-01/close" },
    };

    static HttpRequestMessage Call(string method, string path, object? body = null) =>
        new(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : JsonContent.Create(body ?? new { }) };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Without_a_key_every_route_is_401(string method, string path)
    {
        using var anonymous = api.ClientWith(null);

        var response = await anonymous.SendAsync(Call(method, path));

        await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("pk_key_0123456789abcdef_notTheSecret")]
    [InlineData("")]
    public async Task A_key_that_is_not_one_of_ours_is_401(string key)
    {
        using var stranger = api.ClientWith(key);

        await (await stranger.GetAsync($"/v1/chains/{Chain}")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_counter_key_used_for_another_restaurant_is_403_and_writes_nothing()
    {
        var written = await api.WrittenAsync();

        var earn = await api.CounterD1.Client.PostAsJsonAsync(api.Url("earn"),
            Requests.Earn("d2", Unique.Order(), 100_000m, new { phone = Unique.Phone() }));
        var redeem = await api.CounterD1.Client.PostAsJsonAsync(api.Url("redeem"),
            Requests.Redeem("d2", Unique.Order(), 1, new { phone = Unique.Phone() }));
        var voided = await api.CounterD1.Client.PostAsJsonAsync(api.Url($"orders/d2/{Unique.Order()}/void"), new { });

        await earn.ProblemAsync(HttpStatusCode.Forbidden);
        await redeem.ProblemAsync(HttpStatusCode.Forbidden);
        await voided.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(written, await api.WrittenAsync());
    }

    /// <summary>Regression (issue 3, "a counter key used for another restaurant -> 403"): lookup took any restaurantId.</summary>
    [Fact]
    public async Task A_counter_key_cannot_look_up_another_restaurants_pos_customer_ids()
    {
        var customer = Unique.Order();
        await api.Chain.EarnAsync(api.ManagerD2.Client, "d2", 100_000m, new { posCustomerId = customer });

        var lookup = await api.CounterD1.Client.GetAsync(api.Url($"lookup?posCustomerId={customer}&restaurantId=d2"));

        await lookup.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("PUT", "program")]
    [InlineData("POST", "restaurants")]
    [InlineData("POST", "api-keys")]
    [InlineData("DELETE", "api-keys/key_0000000000000000")]
    public async Task A_counter_or_manager_key_on_an_admin_route_is_403(string method, string route)
    {
        var counter = await api.CounterD1.Client.SendAsync(Call(method, api.Url(route), new { role = "counter", restaurantId = "d1" }));
        var manager = await api.ManagerD2.Client.SendAsync(Call(method, api.Url(route), new { role = "counter", restaurantId = "d2" }));

        await counter.ProblemAsync(HttpStatusCode.Forbidden);
        await manager.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Auditors_and_accountants_never_earn_redeem_or_look_up()
    {
        var accountant = await api.Chain.IssueKeyAsync("accountant");

        foreach (var key in new[] { api.Auditor, accountant })
        {
            var earn = await key.Client.PostAsJsonAsync(api.Url("earn"),
                Requests.Earn("d1", Unique.Order(), 100_000m, new { phone = Unique.Phone() }));
            var redeem = await key.Client.PostAsJsonAsync(api.Url("redeem"),
                Requests.Redeem("d1", Unique.Order(), 1, new { phone = Unique.Phone() }));
            var lookup = await key.Client.GetAsync(api.Url($"lookup?phone={Unique.Phone()}"));

            await earn.ProblemAsync(HttpStatusCode.Forbidden);
            await redeem.ProblemAsync(HttpStatusCode.Forbidden);
            await lookup.ProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Any_key_of_another_chain_gets_404_as_if_the_chain_did_not_exist(string method, string path)
    {
        var other = await OtherChainAsync();

        var response = await other.Admin.SendAsync(Call(method, path));
        var nowhere = await api.Admin.SendAsync(Call(method, path.Replace(Chain, "no-such-chain", StringComparison.Ordinal)));

        await response.ProblemAsync(HttpStatusCode.NotFound, "chain-not-found");
        await nowhere.ProblemAsync(HttpStatusCode.NotFound, "chain-not-found");
    }

    [Fact]
    public async Task A_till_of_another_chain_cannot_see_this_chains_guests()
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(api.CounterD1.Client, "d1", 100_000m, new { phone });
        var other = await OtherChainAsync();
        var otherTill = (await other.IssueKeyAsync("counter", "d1")).Client;

        var here = await otherTill.GetAsync(api.Url($"lookup?phone={phone}"));
        var there = await otherTill.GetAsync(other.Url($"lookup?phone={phone}"));

        await here.ProblemAsync(HttpStatusCode.NotFound, "chain-not-found");
        await there.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found"); // guests belong to one chain
    }

    [Fact]
    public async Task A_key_that_calls_too_fast_gets_429_while_other_keys_carry_on()
    {
        using var limited = api.WithWebHostBuilder(b => b
            .UseSetting("Peko:RateLimit:PermitsPerSecond", "2").UseSetting("Peko:RateLimit:Burst", "2"));
        using var till = limited.CreateClient();
        till.DefaultRequestHeaders.Authorization = new("Bearer", api.CounterD1.Secret);
        using var auditor = limited.CreateClient();
        auditor.DefaultRequestHeaders.Authorization = new("Bearer", api.Auditor.Secret);

        var burst = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => till.GetAsync($"/v1/chains/{Chain}")));
        var someoneElse = await auditor.GetAsync($"/v1/chains/{Chain}");

        var refused = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 1, 8); // a burst of 2, then 2 a second
        await refused[0].ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused[0].Headers.RetryAfter);
        await someoneElse.ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_chain_admin_cannot_reach_another_chains_keys_or_guests_through_their_own_chain()
    {
        var other = await OtherChainAsync();
        var guestId = (string)(await api.Chain.EarnAsync(api.CounterD1.Client, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;

        var revoke = await other.Admin.DeleteAsync(other.Url($"api-keys/{api.CounterD1.KeyId}"));
        var guest = await other.Admin.GetAsync(other.Url($"guests/{guestId}"));
        var history = await other.Admin.GetAsync(other.Url($"guests/{guestId}/history"));
        var adjust = await other.Admin.PostJsonAsync(other.Url($"guests/{guestId}/adjustments"), Requests.Adjust(10, "d1"), "adj-1");
        var redeem = await other.Admin.PostAsJsonAsync(other.Url("redeem"), Requests.Redeem("d1", Unique.Order(), 1, guestId));

        await revoke.ProblemAsync(HttpStatusCode.NotFound, "api-key-not-found");
        foreach (var response in new[] { guest, history, adjust, redeem })
            await response.ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
        await (await api.CounterD1.Client.GetAsync($"/v1/chains/{Chain}")).ShouldBeAsync(HttpStatusCode.OK);
    }

    /// <summary>A second chain, with a restaurant of the same id as one of this chain's.</summary>
    Task<TestChain> OtherChainAsync() => TestChain.CreateAsync(api, Unique.Chain(), [("d1", "Quán Khác")]);
}
