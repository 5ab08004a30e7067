using System.Globalization;
using System.Net;
using System.Text;
using Peko.Ledger.Api.Tests.Migration;
using Peko.Ledger.Cli;

namespace Peko.Ledger.Api.Tests.Cli;

/// <summary>
/// <c>peko-ledger migrate</c> against the service (in-process): dry run and commit with their reports, the exit codes,
/// and errors in one line (issue 8).
/// </summary>
public sealed class MigrateCommandTests(MigrationHost api) : IClassFixture<MigrationHost>
{
    static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_dry_run_prints_the_services_report_and_writes_nothing_to_the_ledger()
    {
        var chain = await api.NewChainAsync();
        var people = new MemberExports(20, seed: 11, ["d1"]);
        using var file = CliRunner.File(people.KiotViet("d1"));
        var events = await api.EventsAsync(chain);

        var run = await new CliRunner(api, new() { ["PEKO_LEDGER_KEY"] = chain.AdminKey.Secret })
            .RunAsync("migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path, "--preset", "kiotviet");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Equal(events, await api.EventsAsync(chain));
        var migrationId = (await api.RowsAsync("select migration_id from ledger.migrations where chain_id = $1 and status = 'dry-run'", chain.Id)).Single();
        var report = (await (await chain.Admin.GetAsync(chain.Url($"migrations/{migrationId}"))).ShouldBeAsync(HttpStatusCode.OK))["report"]!;
        Assert.Contains(migrationId, run.Out, StringComparison.Ordinal);
        Assert.Contains(N((int)report["rowsRead"]!), run.Line("rows read"), StringComparison.Ordinal);
        Assert.Contains(N((int)report["rowsRejected"]!), run.Line("rows rejected"), StringComparison.Ordinal);
        Assert.Contains(N((int)report["guestsToCreate"]!), run.Line("to create"), StringComparison.Ordinal);
        foreach (var rejected in report["rejected"]!.AsArray())
            Assert.Contains(N((int)rejected!["line"]!), run.LineWith(((string)rejected["reason"]!)[..20]), StringComparison.Ordinal);
        Assert.Contains($" {N(people.PointsAt("d1"))} ", run.Line("before: in the file"), StringComparison.Ordinal);
        Assert.Contains($" {N(people.PointsAt("d1"))} ", run.Line("after "), StringComparison.Ordinal);
        Assert.DoesNotContain("NOT", run.Line("before == after"), StringComparison.Ordinal);
        Assert.Contains(N((int)report["tiers"]!["Bronze"]!), run.Line("Bronze"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_follows_the_progress_to_the_end_and_prints_the_committed_report()
    {
        var chain = await api.NewChainAsync();
        var people = new MemberExports(25, seed: 12, ["d1"]);
        using var file = CliRunner.File(people.KiotViet("d1"));

        var run = await new CliRunner(api).RunAsync("migrate", "--key", chain.AdminKey.Secret, "--chain", chain.Id,
            "--restaurant", "d1", "--file", file.Path, "--preset", "kiotviet", "--commit");

        Assert.True(run.Exit == ExitCodes.Ok, run.ToString());
        Assert.Contains("Committed", run.Out, StringComparison.Ordinal);
        Assert.Contains($" {N(people.PointsAt("d1"))} ", run.Line("issued by its migrations, in the ledger"), StringComparison.Ordinal);
        Assert.Equal(people.PointsAt("d1"), await api.MigratedLotsAsync(chain, "d1"));
        Assert.Equal(["committed"], await api.RowsAsync("select status from ledger.migrations where chain_id = $1", chain.Id));
    }

    [Fact]
    public async Task A_bad_key_or_a_key_without_the_role_ends_with_the_HTTP_exit_code_and_one_clear_line()
    {
        var chain = await api.NewChainAsync();
        using var file = CliRunner.File(new MemberExports(3, seed: 13, ["d1"]).KiotViet("d1"));
        var counter = await chain.IssueKeyAsync("counter", "d1");
        string[] migrate = ["migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path, "--preset", "kiotviet"];

        var unknown = await new CliRunner(api).RunAsync([.. migrate, "--key", "pk_not_a_key"]);
        var counterKey = await new CliRunner(api).RunAsync([.. migrate, "--key", counter.Secret]);

        Assert.Equal((ExitCodes.HttpError, "error: the service refused the API key (401): check --key or PEKO_LEDGER_KEY."),
            (unknown.Exit, unknown.Error.Trim()));
        Assert.Equal(ExitCodes.HttpError, counterKey.Exit);
        Assert.StartsWith("error: this API key may not do that (403 forbidden)", counterKey.Error, StringComparison.Ordinal);
        Assert.Single(counterKey.Error.Trim().Split('\n'));
        Assert.Equal(0, await api.ScalarAsync("select count(*) from ledger.migrations where chain_id = $1", chain.Id));
    }

    [Fact]
    public async Task Bad_usage_and_files_the_service_refuses_end_with_exit_code_2()
    {
        var chain = await api.NewChainAsync();
        using var file = CliRunner.File(new MemberExports(3, seed: 14, ["d1"]).KiotViet("d1"));
        var cli = new CliRunner(api);
        string[] key = ["--key", chain.AdminKey.Secret];

        var noChain = await cli.RunAsync([.. key, "migrate", "--restaurant", "d1", "--file", file.Path, "--preset", "kiotviet"]);
        var badPreset = await cli.RunAsync([.. key, "migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path, "--preset", "lightspeed"]);
        var noFile = await cli.RunAsync([.. key, "migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path + ".missing", "--preset", "kiotviet"]);
        var noKey = await cli.RunAsync("migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path, "--preset", "kiotviet");
        var refused = await cli.RunAsync([.. key, "migrate", "--chain", chain.Id, "--restaurant", "d1", "--file", file.Path, "--preset", "square"]);

        Assert.All([noChain, badPreset, noFile, noKey, refused], r => Assert.True(r.Exit == ExitCodes.BadInput, r.ToString()));
        Assert.Contains("--chain", noChain.Error, StringComparison.Ordinal);
        Assert.Contains("lightspeed", badPreset.Error, StringComparison.Ordinal);
        Assert.Contains(".missing", noFile.Error, StringComparison.Ordinal);
        Assert.Contains("PEKO_LEDGER_KEY", noKey.Error, StringComparison.Ordinal);
        Assert.StartsWith("error: 400 invalid-request: One or more fields are invalid. Nothing was written. file: The header has no identifier column of the square export",
            refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, await api.ScalarAsync("select count(*) from ledger.migrations where chain_id = $1", chain.Id));
    }

    [Fact]
    public async Task A_dry_run_whose_points_do_not_balance_is_not_committed_and_ends_with_exit_code_1()
    {
        var chain = await api.NewChainAsync();
        static byte[] Export(long k1) => Encoding.UTF8.GetBytes($"pos_customer_id,name,phone,points\nK1,An,0903222001,{k1}\nK2,Bình,0903222002,50\n");
        using (var first = CliRunner.File(Export(1_000)))
            Assert.Equal(ExitCodes.Ok, (await new CliRunner(api).RunAsync("migrate", "--key", chain.AdminKey.Secret, "--chain", chain.Id,
                "--restaurant", "d1", "--file", first.Path, "--preset", "generic", "--commit")).Exit);
        await chain.RedeemAsync(chain.Admin, "d2", 800, new { phone = "0903222001" }); // spent in the pooled programme meanwhile

        using var delta = CliRunner.File(Export(0));
        var run = await new CliRunner(api).RunAsync("migrate", "--key", chain.AdminKey.Secret, "--chain", chain.Id,
            "--restaurant", "d1", "--file", delta.Path, "--preset", "generic", "--commit");

        Assert.True(run.Exit == ExitCodes.Problem, run.ToString());
        Assert.Contains("NOT balanced", run.Line("before == after"), StringComparison.Ordinal);
        Assert.StartsWith("error: points before != after for d1: 50 in the file, 850 after (shortfall 800).", run.Error, StringComparison.Ordinal);
        // One of each, whichever was created first (the fixture's clock may give both the same instant).
        Assert.Equal(["committed", "dry-run"], await api.RowsAsync("select status from ledger.migrations where chain_id = $1 order by status", chain.Id));
    }

    [Fact]
    public async Task Help_names_the_environment_variables_and_never_shows_the_key_they_hold()
    {
        var help = await new CliRunner(api, new() { ["PEKO_LEDGER_KEY"] = "pk_secret_in_the_environment" }).RunAsync("migrate", "--help");

        Assert.Equal(ExitCodes.Ok, help.Exit);
        Assert.Contains("PEKO_LEDGER_URL", help.Out, StringComparison.Ordinal);
        Assert.Contains("PEKO_LEDGER_KEY", help.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pk_secret", help.Out, StringComparison.Ordinal);
    }
}
