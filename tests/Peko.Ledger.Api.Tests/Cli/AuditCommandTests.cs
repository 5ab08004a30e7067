using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Cli;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.Api.Tests.Cli;

/// <summary><c>peko-ledger verify, rebuild, export, as-of</c> against the in-process service (issue 7).</summary>
public sealed class AuditCommandTests(AuditedChain api) : IClassFixture<AuditedChain>
{
    CliRunner Cli => new(api);
    string Auditor => api.Auditor.Secret;

    async Task<string> GuestAsync()
    {
        var guest = (string)(await api.Chain.EarnAsync(api.CounterD1.Client, "d1", 1_200_000m, new { phone = Unique.Phone() }))["guestId"]!;
        await api.Chain.RedeemAsync(api.CounterD1.Client, "d1", 20, guest);
        await api.AllBelowTheHorizonAsync();
        return guest;
    }

    [Fact]
    public async Task Verify_of_a_clean_chain_exits_0_after_both_checks()
    {
        await GuestAsync();
        var run = await Cli.RunAsync("verify", "--chain", api.Chain.Id, "--key", Auditor);

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("Clean: every event is what the ledger wrote.", run.Out);
        Assert.Contains("events replayed give exactly the live tables.", run.Out);
        Assert.Contains("points_lots", run.LineWith("points_lots"));
    }

    [Fact]
    public async Task Verify_names_an_edited_event_and_a_changed_live_row_and_exits_1()
    {
        var guest = await GuestAsync();
        var seq = await api.ScalarAsync("select min(seq) from ledger.events where stream_id = $1", $"points-{guest}");
        const string SetPoints = "with u as (update ledger.events set data = jsonb_set(data, '{points}', to_jsonb($2)) where seq = $1 returning 1) select count(*) from u";
        const string Deficit = "with u as (update ledger.guest_points set deficit = $2 where guest_id = $1 returning 1) select count(*) from u";
        var points = await api.ScalarAsync("select (data->>'points')::bigint from ledger.events where seq = $1", seq);
        await api.ScalarAsync(SetPoints, seq, 5000L);
        await api.ScalarAsync(Deficit, guest, 9L);
        CliResult run;
        try { run = await Cli.RunAsync("verify", "--chain", api.Chain.Id, "--key", Auditor); }
        finally
        {
            await api.ScalarAsync(SetPoints, seq, points); // the tests of this class share the chain: put it back
            await api.ScalarAsync(Deficit, guest, 0L);
            // The async accounting projection may have read the edited event meanwhile (replay would rightly say so):
            // rebuild it from the restored events.
            await api.Services.GetRequiredService<ProjectionDaemon>().RebuildAsync("accounting", CancellationToken.None);
        }

        Assert.True(run.Exit == ExitCodes.Problem, run.ToString());
        Assert.Contains($"points-{guest}", run.LineWith("edited"));
        Assert.Contains("1 findings", run.Out);
        Assert.Contains("deficit=9", run.LineWith($"guest_id={guest}"));
        Assert.Contains("differences between the live tables and the events' replay", run.Out);
    }

    [Fact]
    public async Task Export_writes_a_file_an_independent_checker_accepts()
    {
        await GuestAsync();
        using var folder = CliRunner.File([], "placeholder");
        var path = Path.Combine(Path.GetDirectoryName(folder.Path)!, "chain.ndjson");

        var run = await Cli.RunAsync("export", "--chain", api.Chain.Id, "--out", path, "--key", Auditor);

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        var export = await File.ReadAllTextAsync(path);
        Assert.Empty(ExportChecker.Check(export));
        Assert.Equal(await api.ScalarAsync("select count(*) from ledger.events where chain_id = $1", api.Chain.Id),
            export.Split('\n').Count(l => l.Contains("\"kind\":\"event\"", StringComparison.Ordinal)));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public async Task As_of_prints_the_guest_then_and_a_bad_instant_is_bad_input()
    {
        var guest = await GuestAsync();
        var run = await Cli.RunAsync("as-of", "--chain", api.Chain.Id, "--guest", guest, "--at", DateTimeOffset.UtcNow.ToString("O"),
            "--key", Auditor);

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("100", run.Line("balance")); // 120 earned, 20 redeemed
        Assert.Contains("d1", run.LineWith("lot_"));

        var bad = await Cli.RunAsync("as-of", "--chain", api.Chain.Id, "--guest", guest, "--at", "yesterday", "--key", Auditor);
        Assert.Equal(ExitCodes.BadInput, bad.Exit);
        Assert.Contains("--at: 'yesterday' is not an instant", bad.Error);
    }

    [Fact]
    public async Task Rebuild_takes_the_platform_admin_key_and_another_key_gets_a_clear_refusal()
    {
        await GuestAsync();
        var refused = await Cli.RunAsync("rebuild", "points", "--key", Auditor);
        Assert.Equal(ExitCodes.HttpError, refused.Exit);
        Assert.Contains("this API key may not do that (403", refused.Error);

        var unknown = await Cli.RunAsync("rebuild", "balances", "--key", api.AdminKey);
        Assert.Equal(ExitCodes.HttpError, unknown.Exit);
        Assert.Contains("No projection is named 'balances'", unknown.Error);

        var run = await Cli.RunAsync("rebuild", "points", "--key", api.AdminKey);
        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("Rebuilt chains, guests, points, memberships from", run.Out);
        var replay = await (await api.Auditor.Client.GetAsync(api.Chain.Url("audit/replay"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.True((bool)replay["clean"]!, replay.ToJsonString());
    }
}
