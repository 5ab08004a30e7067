using System.Globalization;
using Peko.Ledger.Domain.Migration;
using Spectre.Console;

namespace Peko.Ledger.Cli.Commands;

/// <summary>A migration's report as tables: rows, first rejects, guests and matches, members, points, tiers.</summary>
public static class MigrationReportView
{
    /// <summary>Rejected rows shown; the report holds up to 1,000 and counts them all.</summary>
    const int RejectsShown = 20;

    public static void Write(IAnsiConsole console, MigrationView migration, MigrationReport report, string title)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]") { Justification = Justify.Left });
        console.MarkupLine($"Migration [bold]{Markup.Escape(migration.MigrationId)}[/] of restaurant [bold]{Markup.Escape(migration.RestaurantId)}[/]" +
                           $" ({Markup.Escape(migration.Preset)}{(migration.FileName is { } f ? $", {Markup.Escape(f)}" : "")}): {Markup.Escape(migration.Status)}");
        if (migration.SameFileAs is { } same) console.MarkupLine($"Same file as migration {Markup.Escape(same)}.");

        console.Write(Figures("Rows", [("rows read", report.RowsRead), ("blank lines", report.BlankLines),
            ("members accepted", report.MembersAccepted), ("rows rejected", report.RowsRejected)]));
        if (report.Rejected.Count > 0)
        {
            var rejects = new Table().Title("First rejected rows").AddColumn(new TableColumn("Line").RightAligned()).AddColumn("Reason");
            foreach (var row in report.Rejected.Take(RejectsShown)) rejects.AddRow(N(row.Line), Markup.Escape(row.Reason));
            console.Write(rejects);
            if (report.RowsRejected > RejectsShown)
                console.MarkupLine($"… and {N(report.RowsRejected - RejectsShown)} more rejected rows (GET the migration for the first 1,000).");
        }
        console.Write(Figures("Guests", [("to create", report.GuestsToCreate), ("matched in the ledger", report.GuestsMatched),
            ("ledger guests merged", report.LedgerMerges), ("members matched within the file", report.Matches.WithinFile),
            ("members matched in the ledger", report.Matches.InLedger),
            .. report.Matches.ByIdentifier.Select(b => ($"  by {b.Key}", (long)b.Value))]));
        console.Write(Figures("Members", [("opened", report.Members.Opened), ("adjusted", report.Members.Adjusted),
            ("unchanged", report.Members.Unchanged), ("migrated before, not in this file", report.Members.MigratedBeforeButNotInFile)]));
        console.Write(Points(report.Points));
        var tiers = new Table().Title("Tiers").AddColumn("Tier").AddColumn(new TableColumn("Guests").RightAligned());
        foreach (var (tier, guests) in report.Tiers) tiers.AddRow(Markup.Escape(tier), N(guests));
        tiers.AddRow("[dim]differing from the POS's tier[/]", N(report.TiersDifferingFromSource));
        console.Write(tiers);
    }

    /// <summary>The restaurant's points before (in the file) and after (what its migrated members hold from it), and whether they agree.</summary>
    static Table Points(PointsReconciliation p)
    {
        var table = new Table().Title("Points per restaurant").AddColumn("").AddColumn(new TableColumn(Markup.Escape(p.RestaurantId)).RightAligned());
        foreach (var (name, value) in new (string, long)[]
                 {
                     ("before: in the file", p.InFile), ("migrated before (these members)", p.MigratedBefore),
                     ("+ opening balances", p.OpeningBalances), ("+ adjusted up", p.AdjustedUp), ("- adjusted down", p.AdjustedDown),
                     ("after", p.After), ("shortfall (already spent)", p.Shortfall),
                 })
            table.AddRow(Markup.Escape(name), N(value));
        table.AddRow("before == after", p.Balanced ? "[green]balanced[/]" : "[red]NOT balanced[/]");
        if (p.InLedger is { } inLedger) table.AddRow("issued by its migrations, in the ledger", N(inLedger));
        return table;
    }

    static Table Figures(string title, (string Name, long Value)[] figures)
    {
        var table = new Table().Title(title).AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        foreach (var (name, value) in figures) table.AddRow(Markup.Escape(name), N(value));
        return table;
    }

    static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
