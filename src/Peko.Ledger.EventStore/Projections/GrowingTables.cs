using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Analyzes tables that a rebuild or a replay is filling, each time the events applied double (after one page, two,
/// four…). A rebuild starts its projection's tables empty, and nothing else analyzes them in time (autovacuum never
/// sees a temporary table, nor rows of a transaction still open): the plans made for empty tables then scan them whole
/// at every page, and the rebuild slows as they fill. A few analyzes keep them planned as the tables they are.
/// </summary>
sealed class GrowingTables(IReadOnlyCollection<string> qualifiedTables, long firstAt)
{
    long _next = firstAt;

    public bool Due(long applied) => applied >= _next && qualifiedTables.Count > 0;

    public async Task AfterAsync(long applied, NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (Due(applied)) await AnalyzeAsync(applied, connection, tx, ct);
    }

    /// <summary>Analyzes now (when the events applied doubled).</summary>
    public async Task AnalyzeAsync(long applied, NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (Analyze(applied) is not { } sql) return;
        await using var analyze = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        await analyze.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The ANALYZE statement to send now (when the events applied doubled, or a replay is writing out many rows), to run
    /// after the writes sent with it; null when there is nothing to analyze.
    /// </summary>
    public string? Analyze(long applied)
    {
        if (qualifiedTables.Count == 0) return null;
        _next = Math.Max(_next, applied * 2);
        return $"analyze {string.Join(", ", qualifiedTables)}";
    }
}
