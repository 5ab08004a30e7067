using Npgsql;

namespace Peko.Ledger.EventStore;

/// <summary>
/// Transaction-level advisory locks (held until commit or rollback), any number of them in one statement. Keys are
/// taken in ordinal order, the one order every caller uses, so two transactions wanting overlapping keys queue and
/// never deadlock. They take no transaction id, which the append relies on (docs/architecture.md).
/// </summary>
public static class AdvisoryLocks
{
    /// <summary>The event store's stream locks.</summary>
    public const int Streams = 0;

    /// <summary>Commands' own locks (idempotency keys, identifiers), namespaced by their callers.</summary>
    public const int Commands = 1;

    /// <summary>The statement that waits for and takes the locks of <paramref name="keys"/>; null when there are none.</summary>
    public static NpgsqlBatchCommand? Take(IEnumerable<string> keys, int space)
    {
        var sorted = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return sorted.Length switch
        {
            0 => null,
            1 => new NpgsqlBatchCommand("select pg_advisory_xact_lock(hashtextextended($1, $2))")
                { Parameters = { new NpgsqlParameter<string> { TypedValue = sorted[0] }, new NpgsqlParameter<long> { TypedValue = space } } },
            // The function scan yields the keys in array order and the aggregate takes each lock as it comes.
            _ => new NpgsqlBatchCommand("select count(pg_advisory_xact_lock(hashtextextended(k, $2))) from unnest($1::text[]) as k")
                { Parameters = { new NpgsqlParameter<string[]> { TypedValue = sorted }, new NpgsqlParameter<long> { TypedValue = space } } },
        };
    }
}
