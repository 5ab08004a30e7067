using System.Net;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

public static class HttpAssertions
{
    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    /// <summary>Asserts the status (showing the body when it differs) and returns the JSON body.</summary>
    public static async Task<JsonNode> ShouldBeAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Asserts an RFC 9457 problem with this status and returns it.</summary>
    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ShouldBeAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, (int)problem["status"]!);
        return problem;
    }

    /// <summary>Asserts a problem whose <c>type</c> ends in <paramref name="code"/>.</summary>
    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ProblemAsync(status);
        Assert.EndsWith(code, (string)problem["type"]!);
        return problem;
    }

    /// <summary>Asserts a 400 whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task<JsonNode> FieldErrorAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"No errors in {problem}");
        Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got {errors.ToJsonString()}");
        return problem;
    }

    public static bool IsReplay(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
}
