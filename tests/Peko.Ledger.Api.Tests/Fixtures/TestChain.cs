using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>An API key as issued: its id (the actor in event metadata), its secret, and a client that sends it.</summary>
public sealed record IssuedKey(string KeyId, string Secret, HttpClient Client);

/// <summary>
/// A chain made over HTTP the way a platform admin makes one: created, restaurants added, a chain admin key issued.
/// Counter calls that must succeed go through <see cref="EarnAsync"/> and <see cref="RedeemAsync"/>, which assert 201.
/// </summary>
public sealed class TestChain(ApiFactory api, string id, IssuedKey admin)
{
    public string Id { get; } = id;
    public IssuedKey AdminKey { get; } = admin;
    public HttpClient Admin => AdminKey.Client;

    public string Url(string path) => $"/v1/chains/{Id}/{path}";

    public static async Task<TestChain> CreateAsync(ApiFactory api, string chainId, (string Id, string Name)[] restaurants,
        string currency = "VND", string region = "VN", string timeZone = "Asia/Ho_Chi_Minh", object? program = null)
    {
        using var platform = api.Platform();
        var created = await platform.PostAsJsonAsync("/v1/chains", new
        {
            chainId, name = $"Chain {chainId}", currency, timeZone, defaultPhoneRegion = region,
            program = program ?? Programmes.Vnd(),
        });
        await created.ShouldBeAsync(HttpStatusCode.Created);
        foreach (var (restaurantId, name) in restaurants)
        {
            var added = await platform.PostAsJsonAsync($"/v1/chains/{chainId}/restaurants",
                new { restaurantId, name, pos = "kiotviet" });
            await added.ShouldBeAsync(HttpStatusCode.Created);
        }
        return new TestChain(api, chainId, await IssueAsync(api, platform, chainId, "admin", null));
    }

    public Task<IssuedKey> IssueKeyAsync(string role, string? restaurantId = null) => IssueAsync(api, Admin, Id, role, restaurantId);

    static async Task<IssuedKey> IssueAsync(ApiFactory api, HttpClient by, string chainId, string role, string? restaurantId)
    {
        var response = await by.PostAsJsonAsync($"/v1/chains/{chainId}/api-keys",
            new { role, restaurantId, label = $"{role} {restaurantId}".Trim() });
        var body = await response.ShouldBeAsync(HttpStatusCode.Created);
        var secret = (string)body["key"]!;
        return new IssuedKey((string)body["keyId"]!, secret, api.ClientWith(secret));
    }

    /// <summary>Earns and asserts 201; returns the response body.</summary>
    public async Task<JsonNode> EarnAsync(HttpClient by, string restaurantId, decimal amount, object guest,
        string? orderId = null, DateTimeOffset? occurredAt = null)
    {
        var response = await by.PostAsJsonAsync(Url("earn"),
            Requests.Earn(restaurantId, orderId ?? Unique.Order(), amount, guest, occurredAt));
        return await response.ShouldBeAsync(HttpStatusCode.Created);
    }

    /// <summary>Redeems and asserts 201; returns the response body.</summary>
    public async Task<JsonNode> RedeemAsync(HttpClient by, string restaurantId, long points, object guest, string? orderId = null)
    {
        var response = await by.PostAsJsonAsync(Url("redeem"), Requests.Redeem(restaurantId, orderId ?? Unique.Order(), points, guest));
        return await response.ShouldBeAsync(HttpStatusCode.Created);
    }

    /// <summary>The guest as a chain admin sees it (balance, pending, tier, window spend, open lots).</summary>
    public async Task<JsonNode> GuestAsync(string guestId) =>
        await (await Admin.GetAsync(Url($"guests/{guestId}"))).ShouldBeAsync(HttpStatusCode.OK);

    /// <summary>The guest's events in order, as a chain admin sees them.</summary>
    public async Task<JsonArray> HistoryAsync(string guestId) =>
        (await (await Admin.GetAsync(Url($"guests/{guestId}/history"))).ShouldBeAsync(HttpStatusCode.OK)).AsArray();
}

/// <summary>Programmes in the shape of the HTTP contract.</summary>
public static class Programmes
{
    /// <summary>The issue's example: 10,000 VND per point, a point worth 1,000 VND, 24 months, Bronze/Silver/Gold.</summary>
    public static object Vnd(decimal spendPerPoint = 10_000m, int pendingDays = 0) => new
    {
        spendPerPoint, pointValue = 1_000m, pointsExpireAfterMonths = 24, pointsPendingDays = pendingDays, tierWindowMonths = 12,
        tiers = new object[]
        {
            new { name = "Gold", minSpend = 12_500_000m, earnMultiplier = 1.5m },
            new { name = "Bronze", minSpend = 0m, earnMultiplier = 1.0m },
            new { name = "Silver", minSpend = 5_000_000m, earnMultiplier = 1.25m },
        },
    };

    /// <summary>A Swedish chain: 10 SEK per point, a point worth 0.50 SEK.</summary>
    public static object Sek() => new
    {
        spendPerPoint = 10m, pointValue = 0.5m, pointsExpireAfterMonths = 12, pointsPendingDays = 0, tierWindowMonths = 12,
        tiers = new object[] { new { name = "Member", minSpend = 0m, earnMultiplier = 1.0m } },
    };
}
