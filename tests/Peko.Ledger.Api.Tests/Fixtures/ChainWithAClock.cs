using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// A VND chain in Asia/Ho_Chi_Minh (UTC+7) with restaurants d1 and d2, served by a host whose clock the test moves:
/// for expiry dates and tier windows. Each test uses its own guests (unique phones).
/// </summary>
public sealed class ChainWithAClock : ApiFactory
{
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
    public TestChain Chain { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Chain = await TestChain.CreateAsync(this, "clock-chain", [("d1", "Phở Đông Du"), ("d2", "Phở Lê Lợi")]);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}
