using System.Net.Http.Json;

namespace Peko.Ledger.Api.Tests;

/// <summary>Request bodies of the counter, in the wire shape (serialised camelCase).</summary>
public static class Requests
{
    public static object Earn(string restaurantId, string orderId, decimal amount, object guest, DateTimeOffset? occurredAt = null) =>
        new { restaurantId, orderId, amount, occurredAt, guest };

    /// <summary>Names the guest by <paramref name="guest"/>: an identifier object, or a guest id string.</summary>
    public static object Redeem(string restaurantId, string orderId, long points, object guest) => guest is string guestId
        ? new { restaurantId, orderId, points, guestId }
        : new { restaurantId, orderId, points, guest };

    public static object Adjust(long points, string restaurantId, string reason = "goodwill: cold soup") =>
        new { points, reason, restaurantId };

    /// <summary>POSTs JSON with an <c>Idempotency-Key</c> header (none when the key is null).</summary>
    public static async Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body,
        string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }
}

/// <summary>
/// Ids no other test uses: test classes run in parallel and tests in one class share its database, so every test
/// names its own orders and guests.
/// </summary>
public static class Unique
{
    // From 10,000,000 up, so no generated number is ever a test's own fixed one such as 0903 123 482.
    static int _next = Random.Shared.Next(10_000_000, 80_000_000);

    public static string Order() => $"ord-{Guid.NewGuid():N}"[..20];

    /// <summary>A Vietnamese mobile in national format: 09 and eight digits.</summary>
    public static string Phone() => $"09{Interlocked.Increment(ref _next)}";

    public static string Email() => $"guest.{Guid.NewGuid():N}"[..20] + "@Example.com";

    public static string Chain() => $"chain-{Guid.NewGuid():N}"[..20];
}
