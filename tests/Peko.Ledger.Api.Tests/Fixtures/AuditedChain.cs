using Microsoft.AspNetCore.Hosting;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// A VND chain with restaurants d1 and d2 whose log is sealed every 5 events (so a short story has checkpoints), an
/// auditor key and a till of d1.
/// </summary>
public sealed class AuditedChain : ApiFactory
{
    public TestChain Chain { get; private set; } = null!;
    public IssuedKey Auditor { get; private set; } = null!;
    public IssuedKey CounterD1 { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Chain = await TestChain.CreateAsync(this, "audited-chain", [("d1", "Phở Đông Du"), ("d2", "Phở Lê Lợi")]);
        Auditor = await Chain.IssueKeyAsync("auditor");
        CounterD1 = await Chain.IssueKeyAsync("counter", "d1");
    }

    /// <summary>
    /// Exports and checkpoints cover only events below the oldest running transaction of the whole server, and other
    /// test classes hold transactions open on it: wait until this chain's events are all below.
    /// </summary>
    public async Task AllBelowTheHorizonAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            if (await ScalarAsync("select count(*) from ledger.events where chain_id = 'audited-chain' " +
                    "and tx_id >= pg_snapshot_xmin(pg_current_snapshot())") == 0) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("A transaction stayed open for 10 s.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Peko:Audit:CheckpointEvery", "5");
    }
}
