using System.CommandLine;
using Spectre.Console;
using static Peko.Ledger.Cli.Commands.AuditCommands;

namespace Peko.Ledger.Cli.Commands;

/// <summary>
/// <c>peko-ledger rebuild &lt;projection&gt;</c> (platform admin key): rebuilds a projection from zero. The inline ones
/// (chains, guests, points, memberships) are rebuilt together and appends wait meanwhile (docs/audit.md).
/// </summary>
public static class RebuildCommand
{
    public static Command Create(GlobalOptions globals, CliContext context)
    {
        var projection = new Argument<string>("projection") { Description = "chains, guests, points, memberships (inline: rebuilt together) or accounting" };
        var command = new Command("rebuild", "Rebuild a projection from the events, from zero (platform admin)") { projection };
        command.SetAction((parsed, ct) => LedgerCli.GuardAsync(context, async () =>
        {
            using var client = globals.Client(parsed, context);
            var name = parsed.GetValue(projection)!;
            var rebuilt = await WithProgressBarAsync<RebuildView>(context, $"Rebuilding {name}", HttpMethod.Post,
                $"v1/projections/{Uri.EscapeDataString(name)}/rebuild", client, ct);
            context.Out.MarkupLine($"Rebuilt [bold]{Markup.Escape(string.Join(", ", rebuilt.Projections))}[/] from {N(rebuilt.EventsReplayed)} events " +
                                   $"in {rebuilt.Seconds:0.0} s.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
