using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Peko.Ledger.Api.Tests;

public sealed class HostTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Ready_answers_200_once_the_database_schema_is_current()
    {
        using var client = api.CreateClient();

        var ready = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served()
    {
        using var client = api.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
    }

    [Theory]
    [InlineData("/v1/chains", "post")]
    [InlineData("/v1/chains/{chainId}", "get")]
    [InlineData("/v1/chains/{chainId}/program", "put")]
    [InlineData("/v1/chains/{chainId}/restaurants", "post")]
    [InlineData("/v1/chains/{chainId}/api-keys", "post")]
    [InlineData("/v1/chains/{chainId}/api-keys/{keyId}", "delete")]
    [InlineData("/v1/chains/{chainId}/earn", "post")]
    [InlineData("/v1/chains/{chainId}/redeem", "post")]
    [InlineData("/v1/chains/{chainId}/orders/{restaurantId}/{orderId}/void", "post")]
    [InlineData("/v1/chains/{chainId}/guests/{guestId}/adjustments", "post")]
    [InlineData("/v1/chains/{chainId}/lookup", "get")]
    [InlineData("/v1/chains/{chainId}/guests", "get")]
    [InlineData("/v1/chains/{chainId}/guests/{guestId}", "get")]
    [InlineData("/v1/chains/{chainId}/guests/{guestId}/history", "get")]
    [InlineData("/v1/chains/{chainId}/accounting/allocation", "get")]
    [InlineData("/v1/chains/{chainId}/accounting/settlement", "get")]
    [InlineData("/v1/chains/{chainId}/accounting/liability", "get")]
    [InlineData("/v1/chains/{chainId}/accounting/settings", "put")]
    [InlineData("/v1/chains/{chainId}/accounting/months/{month}/close", "post")]
    public async Task The_OpenAPI_document_lists_every_endpoint(string path, string method)
    {
        using var client = api.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty(path, out var operations),
            $"{path} is missing; the document has {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
        Assert.True(operations.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is missing");
    }

    [Fact]
    public async Task An_unknown_route_is_a_problem_document()
    {
        using var client = api.CreateClient();

        var response = await client.GetAsync("/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_500_problem_without_a_stack_trace()
    {
        using var throwing = api.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new Boom())));
        using var client = throwing.CreateClient();

        var response = await client.GetAsync("/boom");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("internal-error", body);
        Assert.DoesNotContain("secret detail", body);
        Assert.DoesNotContain("at Peko", body);
        Assert.DoesNotContain("InvalidOperationException", body);
    }

    /// <summary>Adds, behind the app's own pipeline, a route that throws.</summary>
    sealed class Boom : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context => context.Request.Path == "/boom"
                ? throw new InvalidOperationException("secret detail")
                : Task.CompletedTask);
        };
    }
}
