using System.CommandLine;
using Spectre.Console;
using static Peko.Ledger.Cli.Commands.AuditCommands;

namespace Peko.Ledger.Cli.Commands;

/// <summary>
/// <c>peko-ledger verify</c>: tamper evidence (every event's hash chain and the chain's checkpoints) and then replay and
/// verify (every projection rebuilt from the events and compared with the live tables). Exit 0 when both are clean, 1
/// when either finds anything (docs/audit.md).
/// </summary>
public static class VerifyCommand
{
    /// <summary>Differences printed per table (the service keeps up to 100 per table and counts them all).</summary>
    const int Shown = 20;

    public static Command Create(GlobalOptions globals, CliContext context)
    {
        var chain = Chain();
        var noReplay = new Option<bool>("--no-replay") { Description = "Check the hashes and checkpoints only; skip replaying the projections" };
        var command = new Command("verify", "Prove the chain's log is what the ledger wrote, and that the live figures are what its events say")
        {
            chain, noReplay,
        };
        command.SetAction((parsed, ct) => LedgerCli.GuardAsync(context, async () =>
        {
            using var client = globals.Client(parsed, context);
            var chainId = parsed.GetValue(chain)!;
            var verify = await context.Out.Status().StartAsync("Checking every event's hash and the chain's checkpoints…",
                _ => client.GetAsync<VerifyView>(ChainPath(chainId, "audit/verify"), ct));
            Write(context.Out, verify);
            if (parsed.GetValue(noReplay)) return verify.Clean ? ExitCodes.Ok : ExitCodes.Problem;

            var replay = await WithProgressBarAsync<ReplayView>(context, "Replaying", HttpMethod.Get, ChainPath(chainId, "audit/replay"),
                client, ct);
            Write(context.Out, replay);
            return verify.Clean && replay.Clean ? ExitCodes.Ok : ExitCodes.Problem;
        }, ct));
        return command;
    }

    static void Write(IAnsiConsole console, VerifyView verify)
    {
        console.Write(new Rule("[bold]Tamper evidence[/]") { Justification = Justify.Left });
        console.MarkupLine($"{N(verify.Events)} events in {N(verify.Streams)} streams; {N(verify.CheckpointsChecked)} checkpoints checked, " +
                           $"{N(verify.CheckpointsSealed)} sealed now.");
        if (verify.Clean)
        {
            console.MarkupLine("[green]Clean[/]: every event is what the ledger wrote.");
            return;
        }
        var table = new Table().AddColumn("Kind").AddColumn("Stream").AddColumn(new TableColumn("Version").RightAligned())
            .AddColumn(new TableColumn("Seq").RightAligned()).AddColumn("Detail");
        foreach (var f in verify.Findings)
            table.AddRow(Markup.Escape(f.Kind), Markup.Escape(f.StreamId ?? ""), f.Version?.ToString() ?? "", f.Seq?.ToString() ?? "",
                Markup.Escape(f.Detail));
        console.Write(table);
        console.MarkupLine($"[red]{N(verify.Findings.Count)} findings[/]: events were changed behind the ledger.");
    }

    static void Write(IAnsiConsole console, ReplayView replay)
    {
        console.Write(new Rule("[bold]Replay and verify[/]") { Justification = Justify.Left });
        var tables = new Table().AddColumn("Table").AddColumn(new TableColumn("Live rows").RightAligned())
            .AddColumn(new TableColumn("Differences").RightAligned());
        foreach (var t in replay.Tables) tables.AddRow(Markup.Escape(t.Table), N(t.LiveRows), t.Differences == 0 ? "0" : $"[red]{N(t.Differences)}[/]");
        console.Write(tables);
        if (replay.Clean)
        {
            console.MarkupLine($"[green]Clean[/]: {N(replay.EventsReplayed)} events replayed give exactly the live tables.");
            return;
        }
        var differences = new Table().AddColumn("Table").AddColumn("Kind").AddColumn("Key").AddColumn("Columns").AddColumn("Live")
            .AddColumn("Replayed");
        foreach (var d in replay.Tables.SelectMany(t => t.First.Take(Shown)))
            differences.AddRow(Markup.Escape(d.Table), Markup.Escape(d.Kind), Markup.Escape(d.Key ?? ""), Markup.Escape(string.Join(", ", d.Columns)),
                Markup.Escape(Values(d.Live, d.Columns)), Markup.Escape(Values(d.Replayed, d.Columns)));
        console.Write(differences);
        console.MarkupLine($"[red]{N(replay.Differences)} differences[/] between the live tables and the events' replay.");
    }

    /// <summary>The differing columns' values of a row, or the whole row when it exists on one side only.</summary>
    static string Values(System.Text.Json.JsonElement? row, IReadOnlyList<string> columns) =>
        row is not { } r ? "" : columns.Count == 0 ? r.GetRawText()
        : string.Join(", ", columns.Select(c => r.TryGetProperty(c, out var v) ? $"{c}={v}" : c));
}
