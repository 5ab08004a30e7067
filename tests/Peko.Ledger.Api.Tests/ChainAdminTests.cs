using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Tests;

/// <summary>Chains, programmes, restaurants and API keys: what a platform admin and a chain admin do.</summary>
public sealed class ChainAdminTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    static JsonObject NewChain(string chainId) => new()
    {
        ["chainId"] = chainId, ["name"] = "Bún Chả Chain", ["currency"] = "VND", ["timeZone"] = "Asia/Ho_Chi_Minh",
        ["defaultPhoneRegion"] = "VN", ["program"] = JsonSerializer.SerializeToNode(Programmes.Vnd(), JsonSerializerOptions.Web),
    };

    [Fact]
    public async Task The_platform_admin_creates_a_chain_with_its_programme()
    {
        using var platform = api.Platform();
        var chainId = Unique.Chain();

        var response = await platform.PostAsJsonAsync("/v1/chains", NewChain(chainId));

        var chain = await response.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"/v1/chains/{chainId}", response.Headers.Location?.OriginalString);
        Assert.Equal(chainId, (string)chain["chainId"]!);
        Assert.Equal("VND", (string)chain["currency"]!);
        Assert.Equal(1, (int)chain["programVersion"]!);
        Assert.Equal(["Bronze", "Silver", "Gold"], chain["program"]!["tiers"]!.AsArray().Select(t => (string)t!["name"]!));
        await (await platform.GetAsync($"/v1/chains/{chainId}")).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Creating_a_chain_that_exists_is_409()
    {
        using var platform = api.Platform();

        var response = await platform.PostAsJsonAsync("/v1/chains", NewChain(ChainWithThreeRestaurants.ChainId));

        await response.ProblemAsync(HttpStatusCode.Conflict, "chain-exists");
    }

    [Fact]
    public async Task Only_the_platform_admin_creates_chains()
    {
        using var anonymous = api.ClientWith(null);

        var asChainAdmin = await api.Admin.PostAsJsonAsync("/v1/chains", NewChain(Unique.Chain()));
        var withoutKey = await anonymous.PostAsJsonAsync("/v1/chains", NewChain(Unique.Chain()));

        await asChainAdmin.ProblemAsync(HttpStatusCode.Forbidden);
        await withoutKey.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("chainId", "\"Not A Slug!\"", "chainId")]
    [InlineData("name", "\"  \"", "name")]
    [InlineData("currency", "\"XYZ\"", "currency")]
    [InlineData("timeZone", "\"Mars/Olympus_Mons\"", "timeZone")]
    [InlineData("defaultPhoneRegion", "\"Vietnam\"", "defaultPhoneRegion")]
    [InlineData("program", "null", "program")]
    [InlineData("program.spendPerPoint", "0", "program.spendPerPoint")]
    [InlineData("program.pointValue", "0.5", "program.pointValue")]
    [InlineData("program.tiers", "[{\"name\":\"Silver\",\"minSpend\":100,\"earnMultiplier\":1.25}]", "program.tiers")]
    public async Task Creating_a_chain_with_a_bad_field_is_400_naming_it_and_creates_nothing(string path, string value, string field)
    {
        using var platform = api.Platform();
        var body = NewChain(Unique.Chain());
        var parts = path.Split('.');
        var parent = parts.Length == 1 ? body : body[parts[0]]!.AsObject();
        parent[parts[^1]] = JsonNode.Parse(value);
        var written = await api.WrittenAsync();

        var response = await platform.PostAsJsonAsync("/v1/chains", body);

        await response.FieldErrorAsync(field);
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task A_programme_change_applies_to_later_earns_only()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var till = (await chain.IssueKeyAsync("counter", "r1")).Client;
        var phone = Unique.Phone();
        var before = Unique.Order();
        await chain.EarnAsync(till, "r1", 1_000_000m, new { phone }, before);

        var changed = await chain.Admin.PutAsJsonAsync(chain.Url("program"), Programmes.Vnd(spendPerPoint: 20_000m));
        var after = await chain.EarnAsync(till, "r1", 1_000_000m, new { phone });
        var voided = await (await till.PostAsJsonAsync(chain.Url($"orders/r1/{before}/void"), new { })).ShouldBeAsync(HttpStatusCode.OK);

        var programme = await changed.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(2, (int)programme["programVersion"]!);
        Assert.Equal(20_000m, (decimal)programme["program"]!["spendPerPoint"]!);
        // Before: 1,000,000 / 10,000 = 100 points. After: 1,000,000 / 20,000 = 50; the old lot keeps its 100.
        Assert.Equal(50, (long)after["pointsEarned"]!);
        Assert.Equal(150, (long)after["balance"]!);
        // Voiding the earlier order takes back what it earned then, not what it would earn now.
        Assert.Equal(100, (long)voided["pointsTakenBack"]!);
        Assert.Equal(50, (long)voided["balance"]!);
        var versions = (await chain.HistoryAsync((string)after["guestId"]!))
            .Where(e => (string)e!["type"]! == "points-earned").Select(e => (int)e!["data"]!["programmeVersion"]!);
        Assert.Equal([1, 2], versions);
    }

    [Fact]
    public async Task A_restaurant_added_after_the_chain_was_read_is_known_to_the_next_request()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var phone = Unique.Phone();
        await chain.EarnAsync(chain.Admin, "r1", 100_000m, new { phone }); // the service has read the chain

        await (await chain.Admin.PostAsJsonAsync(chain.Url("restaurants"), new { restaurantId = "r2", name = "Phở Hàng Bông", pos = "ipos" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var atTheNewOne = await chain.EarnAsync(chain.Admin, "r2", 100_000m, new { phone });

        Assert.Equal(20, (long)atTheNewOne["balance"]!);
    }

    [Fact]
    public async Task A_chain_comes_from_memory_only_while_the_key_check_sees_the_revision_it_was_read_at()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("r1", "Phở Hàng Mành")]);
        var directory = api.Services.GetRequiredService<Peko.Ledger.Api.Features.Chains.ChainDirectory>();
        Task<string> Revision() => api.TextAsync("select xmin::text from ledger.chains where chain_id = $1", chain.Id);
        Caller KeyCheckAt(string revision) => new("k", Role.Counter, chain.Id, "r1", revision);
        var read = await directory.GetAsync(chain.Id, CancellationToken.None);
        var readAt = await Revision();

        // Written behind the service's back (as a repair would): a new revision.
        await api.ScalarAsync("update ledger.chains set name = 'Renamed' where chain_id = $1", chain.Id);
        var sameRevision = await directory.GetAsync(chain.Id, KeyCheckAt(readAt), CancellationToken.None);
        var newRevision = await directory.GetAsync(chain.Id, KeyCheckAt(await Revision()), CancellationToken.None);
        var otherChain = await directory.GetAsync(chain.Id, KeyCheckAt(readAt) with { ChainId = "another" }, CancellationToken.None);

        Assert.NotEqual(readAt, await Revision());
        Assert.Same(read, sameRevision);
        Assert.Equal("Renamed", newRevision.Name);
        Assert.Equal("Renamed", otherChain.Name);
    }

    [Fact]
    public async Task A_programme_change_with_a_bad_field_is_400_and_keeps_the_programme()
    {
        var written = await api.WrittenAsync();

        var response = await api.Admin.PutAsJsonAsync(api.Url("program"), Programmes.Vnd(spendPerPoint: 0m));

        await response.FieldErrorAsync("program.spendPerPoint");
        Assert.Equal(written, await api.WrittenAsync());
        var chain = await (await api.Admin.GetAsync($"/v1/chains/{ChainWithThreeRestaurants.ChainId}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal((1, 10_000m), ((int)chain["programVersion"]!, (decimal)chain["program"]!["spendPerPoint"]!));
    }

    [Fact]
    public async Task Adding_a_restaurant_is_201_and_adding_it_again_is_409()
    {
        var body = new { restaurantId = "d4", name = "Phở Nguyễn Huệ", pos = "sapo" };

        var added = await api.Admin.PostAsJsonAsync(api.Url("restaurants"), body);
        var again = await api.Admin.PostAsJsonAsync(api.Url("restaurants"), body);

        var restaurant = await added.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(("d4", "Phở Nguyễn Huệ", "sapo"),
            ((string)restaurant["restaurantId"]!, (string)restaurant["name"]!, (string)restaurant["pos"]!));
        await again.ProblemAsync(HttpStatusCode.Conflict, "restaurant-exists");
        var chain = await (await api.Admin.GetAsync($"/v1/chains/{ChainWithThreeRestaurants.ChainId}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Single(chain["restaurants"]!.AsArray(), r => (string)r!["restaurantId"]! == "d4");
    }

    [Fact]
    public async Task An_issued_key_shows_its_secret_once_and_the_secret_is_stored_nowhere()
    {
        var response = await api.Admin.PostAsJsonAsync(api.Url("api-keys"), new { role = "counter", restaurantId = "d3", label = "till 3" });

        var issued = await response.ShouldBeAsync(HttpStatusCode.Created);
        var keyId = (string)issued["keyId"]!;
        var key = (string)issued["key"]!;
        Assert.Equal(("counter", "d3", "till 3"), ((string)issued["role"]!, (string)issued["restaurantId"]!, (string)issued["label"]!));
        using var till = api.ClientWith(key);
        await (await till.GetAsync($"/v1/chains/{ChainWithThreeRestaurants.ChainId}")).ShouldBeAsync(HttpStatusCode.OK);
        var secret = key[$"pk_{keyId}_".Length..];
        var chain = await (await api.Admin.GetAsync($"/v1/chains/{ChainWithThreeRestaurants.ChainId}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, chain);
        Assert.Equal(1, await api.ScalarAsync("select count(*) from ledger.api_keys where key_id = $1", keyId));
        foreach (var table in new[] { "api_keys", "events", "idempotency_records" })
            Assert.Equal(0, await api.ScalarAsync($"select count(*) from ledger.{table} t where t::text like '%' || $1 || '%'", secret));
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var key = await api.Chain.IssueKeyAsync("counter", "d3");
        var url = $"/v1/chains/{ChainWithThreeRestaurants.ChainId}";
        await (await key.Client.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);

        var revoked = await api.Admin.DeleteAsync(api.Url($"api-keys/{key.KeyId}"));
        var next = await key.Client.GetAsync(url);
        var again = await api.Admin.DeleteAsync(api.Url($"api-keys/{key.KeyId}"));

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await next.ProblemAsync(HttpStatusCode.Unauthorized);
        await again.ProblemAsync(HttpStatusCode.NotFound, "api-key-not-found");
    }

    [Theory]
    [InlineData("counter", null, "restaurantId")]
    [InlineData("manager", "d9", "restaurantId")]
    [InlineData("auditor", "d1", "restaurantId")]
    [InlineData("owner", null, "role")]
    public async Task A_key_whose_role_and_restaurant_do_not_fit_is_400(string role, string? restaurantId, string field)
    {
        var response = await api.Admin.PostAsJsonAsync(api.Url("api-keys"), new { role, restaurantId, label = "x" });

        await response.FieldErrorAsync(field);
    }
}
