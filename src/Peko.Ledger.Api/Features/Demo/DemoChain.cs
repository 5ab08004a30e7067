using System.Text.Json;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Demo;

/// <summary>
/// The dev run's demo: on an empty local database, a chain of five restaurants with two thousand guests and six
/// months of orders (<see cref="DemoOrders"/>); on every start, an admin key, a counter key and a curl line that works.
/// </summary>
public sealed class DemoChain(LedgerDatabase database, ChainAdministration admin, DemoOrders orders, PlatformAdminKey platform,
    IConfiguration configuration, TimeProvider time, ILogger<DemoChain> log) : IHostedService, IDisposable
{
    readonly CancellationTokenSource _stopping = new();
    Task _seeding = Task.CompletedTask;

    public const string ChainId = "demo-pho";
    static readonly (string Id, string Name, string Pos)[] Restaurants =
    [
        ("dong-du", "Phở Đông Du", "kiotviet"), ("hang-manh", "Bún Chả Hàng Mành", "ipos"),
        ("thao-dien", "Cơm Tấm Thảo Điền", "sapo"), ("le-loi", "Bánh Mì Lê Lợi", "misa"),
        ("nguyen-hue", "Cà Phê Nguyễn Huệ", "loyverse"),
    ];

    sealed record DemoKeys(string AdminKey, string CounterKey, string CounterRestaurant, string SamplePhone);

    public async Task StartAsync(CancellationToken ct)
    {
        if (database.LocalDataFolder is not { } folder) return;
        var file = Path.Combine(folder, "demo-keys.json");
        if (File.Exists(file))
        {
            Print(JsonSerializer.Deserialize<DemoKeys>(await File.ReadAllTextAsync(file, ct))!, folder);
            return;
        }
        var (keys, seedOrders) = await CreateChainAsync(ct);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(keys), ct);
        Print(keys, folder);
        // Six months of orders take a minute: the service answers meanwhile, and the sample guest comes first.
        _seeding = BackgroundWork.Run(async () =>
        {
            try
            {
                await seedOrders(_stopping.Token);
                log.LogInformation("Demo chain {Chain} is fully seeded", ChainId);
            }
            catch (OperationCanceledException) { log.LogWarning("Demo seeding stopped before it finished"); }
            catch (Exception e) { log.LogError(e, "Demo seeding failed"); }
        }, CancellationToken.None);
    }

    async Task<(DemoKeys, Func<CancellationToken, Task>)> CreateChainAsync(CancellationToken ct)
    {
        var caller = new Caller("demo-seed", Role.PlatformAdmin, null, null);
        log.LogInformation("Seeding the demo chain {Chain}: 5 restaurants, 2,000 guests, six months of orders", ChainId);
        await admin.CreateAsync(new CreateChainRequest(ChainId, "Phở & Friends (demo)", "VND", "Asia/Ho_Chi_Minh", "VN",
            new ProgrammeBody(10_000m, 1_000m, 24, 0, 12, [new("Bronze", 0, 1.0m), new("Silver", 5_000_000m, 1.25m),
                new("Gold", 12_500_000m, 1.5m)])), caller, ct);
        foreach (var (id, name, pos) in Restaurants)
            await admin.AddRestaurantAsync(ChainId, new AddRestaurantRequest(id, name, pos), caller, ct);
        var adminKey = await admin.IssueKeyAsync(ChainId, new IssueKeyRequest("admin", null, "demo admin"), caller, ct);
        var counterKey = await admin.IssueKeyAsync(ChainId, new IssueKeyRequest("counter", Restaurants[0].Id, "demo till"), caller, ct);
        var plan = orders.Plan([.. Restaurants.Select(r => r.Id)], guests: 2_000);
        return (new DemoKeys(adminKey.Key, counterKey.Key, Restaurants[0].Id, plan.SamplePhone),
            token => orders.SeedAsync(ChainId, plan, token));
    }

    void Print(DemoKeys keys, string folder)
    {
        var url = (configuration["Urls"] ?? "http://localhost:5080").Split(';')[0].TrimEnd('/');
        var adminKeyFile = AuthSetup.DevAdminKeyFile(folder);
        var platformKey = File.Exists(adminKeyFile) ? File.ReadAllText(adminKeyFile).Trim()
            : platform.IsConfigured ? "(the one in Peko:AdminKey)" : "(none)";
        // Printed on purpose, for a developer's local demo only: these keys exist in no other database.
        Console.WriteLine($"""

            ── Peko Ledger dev run ─────────────────────────────────────────────────────────
            Demo chain '{ChainId}' (5 restaurants, 2,000 guests, seeded in the background on first run). Keys: {folder}.
              platform admin key : {platformKey}
              chain admin key    : {keys.AdminKey}
              counter key ({keys.CounterRestaurant}) : {keys.CounterKey}
            Try it:
              curl -s -H "Authorization: Bearer {keys.CounterKey}" "{url}/v1/chains/{ChainId}/lookup?phone={keys.SamplePhone}"
              curl -s -H "Authorization: Bearer {keys.AdminKey}" -H "Accept: text/csv" "{url}/v1/chains/{ChainId}/accounting/allocation?month={LastMonth()}"
            ────────────────────────────────────────────────────────────────────────────────

            """);
    }

    /// <summary>Last month in the demo chain's time zone: a month the seeded orders fill.</summary>
    string LastMonth() => Domain.Accounting.AccountingMonth.Of(time.GetUtcNow(),
        TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh")).Previous.ToString();

    public void Dispose() => _stopping.Dispose();

    public async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        await _seeding;
    }
}

public static class DemoChainSetup
{
    public static WebApplicationBuilder AddDemoChain(this WebApplicationBuilder builder, LedgerDatabase database)
    {
        if (database.LocalDataFolder is null || !builder.Configuration.GetValue("Peko:Demo", true)) return builder;
        builder.Services.AddSingleton<DemoOrders>();
        builder.Services.AddHostedService<DemoChain>();
        return builder;
    }
}
