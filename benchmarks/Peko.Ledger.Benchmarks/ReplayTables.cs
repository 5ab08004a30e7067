using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Benchmarks;

/// <summary>What the <c>replay</c> benchmark prints about the read models: rows per table, checks, differences.</summary>
static class ReplayTables
{
    public static async Task PrintRowsAsync(NpgsqlDataSource dataSource, LedgerStoreOptions options)
    {
        Console.WriteLine("Rows per read-model table after the rebuilds");
        var tables = options.InlineProjections.Concat(options.AsyncProjections).SelectMany(p => p.Tables).Distinct(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var count = dataSource.CreateCommand($"select count(*) from ledger.{table}");
            Console.WriteLine($"    {table,-22} {(long)(await count.ExecuteScalarAsync())!,10:N0}");
        }
    }

    /// <summary>
    /// The replay compares the read models with themselves; this compares them with the domain: the points left in
    /// lots, the points owed and the guests must be what the generator's folded guests hold. Null when they are.
    /// </summary>
    /// <summary>What the domain's folded guests hold at the end of the history: the read models must hold the same.</summary>
    public sealed record DomainFigures(long Remaining, long Deficit, long Guests)
    {
        public static DomainFigures Of(ReplayHistory history)
        {
            var (remaining, deficit) = history.Totals();
            return new DomainFigures(remaining, deficit, history.GuestsRegistered);
        }
    }

    public static async Task<string?> DomainMismatchAsync(NpgsqlDataSource dataSource, DomainFigures expected)
    {
        await using var command = dataSource.CreateCommand("""
            select (select coalesce(sum(remaining), 0)::bigint from ledger.points_lots),
                   (select coalesce(sum(deficit), 0)::bigint from ledger.guest_points),
                   (select count(*) from ledger.guests)
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (remaining, deficit, guests) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        Console.WriteLine($"  read models: {remaining:N0} points left in lots, {deficit:N0} owed, {guests:N0} guests; " +
                          $"domain: {expected.Remaining:N0}, {expected.Deficit:N0}, {expected.Guests:N0}");
        return remaining == expected.Remaining && deficit == expected.Deficit && guests == expected.Guests
            ? null
            : "points left, owed or guests differ from the domain's";
    }

    public static void PrintDifferences(ReplayReport report)
    {
        foreach (var table in report.Tables.Where(t => t.Differences > 0))
        {
            Console.WriteLine($"  {table.Table}: {table.Differences:N0} differences of {table.LiveRows:N0} live rows; the first:");
            foreach (var d in table.First.Take(5))
                Console.WriteLine($"    {d.Kind} {d.Key} [{string.Join(", ", d.Columns)}] live {d.Live?.GetRawText()} replayed {d.Replayed?.GetRawText()}");
        }
    }
}
