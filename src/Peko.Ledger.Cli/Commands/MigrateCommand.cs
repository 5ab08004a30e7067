using System.CommandLine;
using System.Net.Http.Headers;
using Spectre.Console;

namespace Peko.Ledger.Cli.Commands;

/// <summary>
/// <c>peko-ledger migrate</c>: uploads a restaurant's member export for a dry run and prints its report; with
/// <c>--commit</c>, commits it when the report balances and follows the commit's progress until it ends.
/// </summary>
public static class MigrateCommand
{
    static readonly string[] Presets = ["kiotviet", "ipos", "sapo", "square", "loyverse", "generic", "custom"];

    public static Command Create(GlobalOptions globals, CliContext context)
    {
        var chain = new Option<string>("--chain") { Description = "The chain's id", Required = true };
        var restaurant = new Option<string>("--restaurant") { Description = "The restaurant the export comes from", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The member export (CSV)", Required = true }.AcceptExistingOnly();
        var preset = new Option<string>("--preset") { Description = "The POS the export comes from", Required = true }.AcceptOnlyFromAmong(Presets);
        var mapping = new Option<FileInfo>("--mapping") { Description = "A JSON mapping of field to header, on top of the preset" }
            .AcceptExistingOnly();
        var commit = new Option<bool>("--commit") { Description = "Commit the dry run if its points balance, and wait for the commit to end" };
        var command = new Command("migrate", "Migrate a restaurant's own loyalty members: dry run, report, and (--commit) commit")
        {
            chain, restaurant, file, preset, mapping, commit,
        };
        command.SetAction((parsed, ct) => LedgerCli.GuardAsync(context, async () =>
        {
            using var client = globals.Client(parsed, context);
            var run = new Run(client, context, parsed.GetValue(chain)!);
            var dryRun = await run.DryRunAsync(parsed.GetValue(restaurant)!, parsed.GetValue(file)!, parsed.GetValue(preset)!,
                parsed.GetValue(mapping), ct);
            return parsed.GetValue(commit) ? await run.CommitAsync(dryRun, ct) : Verdict(context, dryRun.Report);
        }, ct));
        return command;
    }

    static int Verdict(CliContext context, Domain.Migration.MigrationReport report)
    {
        if (report.Points.Balanced) return ExitCodes.Ok;
        context.Error.WriteLine($"error: points before != after for {report.Points.RestaurantId}: {report.Points.InFile:N0} in the file, " +
                                $"{report.Points.After:N0} after (shortfall {report.Points.Shortfall:N0}).");
        return ExitCodes.Problem;
    }

    sealed class Run(LedgerClient client, CliContext context, string chainId)
    {
        string Migrations => $"v1/chains/{Uri.EscapeDataString(chainId)}/migrations";

        public async Task<MigrationView> DryRunAsync(string restaurantId, FileInfo file, string preset, FileInfo? mapping, CancellationToken ct)
        {
            using var form = new MultipartFormDataContent();
            // Streamed from the file: the CLI does not hold the export in memory either.
            var content = new StreamContent(file.OpenRead(), 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(content, "file", file.Name);
            form.Add(new StringContent(restaurantId), "restaurantId");
            form.Add(new StringContent(preset), "preset");
            if (mapping is not null) form.Add(new StreamContent(mapping.OpenRead()), "mapping", mapping.Name);
            var view = await context.Out.Status().StartAsync($"Uploading {file.Name} ({file.Length:N0} bytes) for a dry run…",
                _ => client.PostAsync<MigrationView>(Migrations, form, ct));
            MigrationReportView.Write(context.Out, view, view.Report, "Dry run (nothing written to the ledger)");
            return view;
        }

        public async Task<int> CommitAsync(MigrationView dryRun, CancellationToken ct)
        {
            if (Verdict(context, dryRun.Report) is not ExitCodes.Ok and var problem)
            {
                context.Error.WriteLine($"Not committed. To commit it as it is: POST /{Migrations}/{dryRun.MigrationId}/commit");
                return problem;
            }
            var path = $"{Migrations}/{Uri.EscapeDataString(dryRun.MigrationId)}";
            var view = await client.PostAsync<MigrationView>($"{path}/commit", null, ct);
            view = await context.Out.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    var members = progress.AddTask($"Committing {view.Progress.MembersTotal:N0} members", maxValue: Math.Max(1, view.Progress.MembersTotal));
                    while (view.Status == "committing")
                    {
                        members.Value = view.Progress.MembersDone;
                        await Task.Delay(context.PollInterval, ct);
                        view = await client.GetAsync<MigrationView>(path, ct);
                    }
                    members.Value = view.Progress.MembersDone;
                    return view;
                });
            if (view.Status != "committed" || view.Result is null)
                throw new CliException(ExitCodes.Problem, $"the commit of {view.MigrationId} stopped ({view.Status}" +
                    $"{(view.Error is { } e ? $": {e}" : "")}) after {view.Progress.MembersDone:N0} of {view.Progress.MembersTotal:N0} members; " +
                    $"POST /{path}/commit to resume it (a service restart resumes a commit its process left running).");
            MigrationReportView.Write(context.Out, view, view.Result, "Committed");
            return Verdict(context, view.Result);
        }
    }
}
