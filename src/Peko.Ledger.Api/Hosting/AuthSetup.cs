using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Hosting;

public static class AuthSetup
{
    /// <summary>
    /// API-key authentication and a per-key rate limit. The platform admin key is <c>Peko:AdminKey</c>; the dev run
    /// (a local database) makes one when none is configured, keeps it in <c>.data/admin-key</c> and prints it.
    /// </summary>
    public static WebApplicationBuilder AddLedgerAuth(this WebApplicationBuilder builder, LedgerDatabase database)
    {
        var adminKey = builder.Configuration["Peko:AdminKey"];
        if (string.IsNullOrWhiteSpace(adminKey) && database.LocalDataFolder is { } folder)
            adminKey = DevAdminKey(folder);
        builder.Services.AddSingleton(new PlatformAdminKey(adminKey));

        var perSecond = builder.Configuration.GetValue("Peko:RateLimit:PermitsPerSecond", 50);
        var burst = builder.Configuration.GetValue("Peko:RateLimit:Burst", 100);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Features.Get<Caller>() is { } caller
                    ? RateLimitPartition.GetTokenBucketLimiter(caller.KeyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = burst, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0, AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("anonymous"));
            options.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return ValueTask.CompletedTask; // the status-code pages write the problem document
            };
        });
        return builder;
    }

    public static WebApplication UseLedgerAuth(this WebApplication app)
    {
        app.UseMiddleware<ApiKeyAuthentication>();
        app.UseRateLimiter();
        return app;
    }

    public static string DevAdminKeyFile(string folder) => Path.Combine(folder, "admin-key");

    static string DevAdminKey(string folder)
    {
        var file = DevAdminKeyFile(folder);
        if (File.Exists(file)) return File.ReadAllText(file).Trim();
        var key = "pk_admin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        Directory.CreateDirectory(folder);
        File.WriteAllText(file, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
