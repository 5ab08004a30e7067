using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// One table's pending changes from many events, folded in memory by row (a lot inserted and then partly redeemed is
/// one insert with what remains) and written as a few set-based statements (<c>insert … select from unnest(…)</c>, or
/// COPY for many new rows: <see cref="RowInsert"/>; <c>update … from unnest(…)</c>), instead of one statement per event. A rebuild or replay writes each table a few
/// times per page instead of several times per event; a counter's append writes the same rows as before.
/// <para>
/// A batch only holds changes whose folded effect equals applying them one by one: inserts, additive deltas, maxima,
/// last-wins values, re-pointing a row by its key. A change that reads or moves other rows (a merge re-pointing a
/// guest's identifiers) is a queued statement instead (<see cref="ProjectionContext.Queue(string, object?[])"/>),
/// which writes out ahead of itself the pending batches of the tables it names (<see cref="Tables"/>).
/// </para>
/// </summary>
public abstract class RowBatch
{
    /// <summary>
    /// Where this table's statements go among the pending batches' (ascending): a table whose statements read another
    /// pending table's rows comes after it (<see cref="RowOrder"/>).
    /// </summary>
    public abstract int Order { get; }

    /// <summary>
    /// The tables (unqualified, schema <c>ledger</c>) its statements write, then any they read: a queued statement
    /// naming one of them is written out after this batch.
    /// </summary>
    public abstract IReadOnlyCollection<string> Tables { get; }

    /// <summary>
    /// Whether holding its rows across pages saves writes: a row folded with the changes of later pages is written once
    /// instead of inserted and then updated (an update costs PostgreSQL about twice an insert). A table whose rows
    /// rarely change once inserted says no, and a replay writes it out every page, while it folds the next.
    /// </summary>
    public virtual bool Folds => true;

    /// <summary>
    /// Whether its rows are only ever inserted, have no unique key, and no queued statement reads them (accounting
    /// entries): then a queued statement that only inserts into its table (the first of <see cref="Tables"/>) and
    /// writes none of the tables it reads (the others) commutes with it, and the batch stays pending.
    /// </summary>
    public virtual bool AppendsOnly => false;

    /// <summary>Rows pending (new rows and changes): the memory the batch holds.</summary>
    public abstract int Count { get; }

    /// <summary>
    /// Moves the pending rows of <paramref name="guests"/> into a new batch, so they can be written out ahead of a
    /// statement about those guests only while the rest stays pending; null when this table's rows cannot be told
    /// apart by guest (the whole batch is written out).
    /// </summary>
    public virtual RowBatch? Split(IReadOnlySet<string> guests) => null;

    /// <summary>
    /// The writes of the pending rows (statements, and inserts of new rows: <see cref="Insert{T}"/>); called once, when
    /// the batch is written out. Nothing changes the rows after that: an insert may read them while it is sent.
    /// </summary>
    public abstract IEnumerable<RowWrite> Writes();

    /// <summary>
    /// In a replay into empty tables, the keys of the rows written so far (<see cref="RowKeys"/>); null when the tables
    /// may hold anything (an append's projections, a runner's batch).
    /// </summary>
    internal RowKeys? Keys { get; set; }

    readonly HashSet<string> _shared = new(StringComparer.Ordinal);

    /// <summary>
    /// One instance of a value many rows repeat (a chain's id, a restaurant's): each decoded event brings its own copy,
    /// and a replay holds hundreds of thousands of rows, which the garbage collector walks again and again. Only for
    /// values of few kinds: the set keeps every one it is given.
    /// </summary>
    protected string Shared(string value)
    {
        if (_shared.TryGetValue(value, out var shared)) return shared;
        _shared.Add(value);
        return value;
    }

    /// <summary>Moves the entries of <paramref name="from"/> under <paramref name="keys"/> (those it has) into <paramref name="to"/>.</summary>
    protected static void Move<TKey, TValue>(Dictionary<TKey, TValue> from, Dictionary<TKey, TValue> to,
        IEnumerable<TKey> keys) where TKey : notnull
    {
        foreach (var key in keys)
            if (from.Remove(key, out var value)) to.TryAdd(key, value);
    }

    /// <summary>New rows of <c>ledger.</c><paramref name="table"/>; name their columns on the result.</summary>
    protected static RowInsert<T> Insert<T>(string table, IReadOnlyCollection<T> rows) => new(table, rows);

    protected static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    protected static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    protected static NpgsqlParameter Longs(IEnumerable<long> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    protected static NpgsqlParameter Numerics(IEnumerable<decimal> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    protected static NpgsqlParameter Bools(IEnumerable<bool> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean };

    protected static NpgsqlParameter Dates(IEnumerable<DateOnly?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date };

    protected static NpgsqlParameter Instants(IEnumerable<DateTimeOffset> values) => Instants(values.Select(v => (DateTimeOffset?)v));

    /// <summary>Instants, stored as UTC (timestamptz).</summary>
    protected static NpgsqlParameter Instants(IEnumerable<DateTimeOffset?> values) =>
        new()
        {
            Value = values.Select(v => v?.UtcDateTime).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        };
}

/// <summary>
/// The order row batches are written out in. Only one dependency exists today: accounting entries are valued with
/// their lot's point value, so the lots go first. The rest are independent tables, in a fixed order so statements
/// (and their plans) repeat.
/// </summary>
public static class RowOrder
{
    public const int Guests = 10;
    public const int GuestPoints = 11;
    public const int Memberships = 12;
    public const int GuestIdentifiers = 13;
    public const int GuestOrders = 14;
    public const int GuestVisits = 15;
    public const int PointsLots = 20;
    public const int GuestSpend = 30;
    public const int AccountingLots = 40;
    public const int AccountingEntries = 41;
}
