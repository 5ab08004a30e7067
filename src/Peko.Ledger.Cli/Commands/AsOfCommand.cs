using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using static Peko.Ledger.Cli.Commands.AuditCommands;

namespace Peko.Ledger.Cli.Commands;

/// <summary><c>peko-ledger as-of</c>: a guest as the ledger stood at an instant, replayed from its events (docs/audit.md).</summary>
public static class AsOfCommand
{
    public static Command Create(GlobalOptions globals, CliContext context)
    {
        var chain = Chain();
        var guest = new Option<string>("--guest") { Description = "The guest's id", Required = true };
        var at = new Option<string>("--at") { Description = "The instant, e.g. 2027-03-01T00:00:00+07:00", Required = true };
        var command = new Command("as-of", "A guest's balance, pending points, tier and open lots at an instant") { chain, guest, at };
        command.SetAction((parsed, ct) => LedgerCli.GuardAsync(context, async () =>
        {
            using var client = globals.Client(parsed, context);
            var instant = Instant("--at", parsed.GetValue(at));
            var view = await client.GetAsync<AsOfView>(
                ChainPath(parsed.GetValue(chain)!, $"guests/{Uri.EscapeDataString(parsed.GetValue(guest)!)}/as-of?at={instant}"), ct);
            var console = context.Out;
            console.Write(new Rule($"[bold]{Markup.Escape(view.GuestId)}[/] as of {view.At.ToString("O", CultureInfo.InvariantCulture)}")
                { Justification = Justify.Left });
            if (view.MergedFrom is { } merged) console.MarkupLine($"({Markup.Escape(merged)} had been merged into this guest by then.)");
            var figures = new Table().AddColumn("Figure").AddColumn(new TableColumn("Value").RightAligned())
                .AddRow("balance", N(view.Balance)).AddRow("pending points", N(view.PendingPoints)).AddRow("tier", Markup.Escape(view.Tier))
                .AddRow($"spend over {view.TierWindowMonths} months", view.WindowSpend.ToString("N0", CultureInfo.InvariantCulture))
                .AddRow("events replayed", N(view.EventsReplayed));
            console.Write(figures);
            var lots = new Table().Title("Open lots").AddColumn("Lot").AddColumn("Restaurant").AddColumn(new TableColumn("Remaining").RightAligned())
                .AddColumn(new TableColumn("Of").RightAligned()).AddColumn("Expires on");
            foreach (var lot in view.OpenLots)
                lots.AddRow(Markup.Escape(lot.LotId), Markup.Escape(lot.RestaurantId), N(lot.Remaining), N(lot.Points),
                    lot.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            console.Write(lots);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
