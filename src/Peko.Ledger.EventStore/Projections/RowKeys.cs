namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// What a replay into empty tables knows of the rows there (<see cref="ProjectionContext.TrackRowsIntoEmptyTables"/>):
/// the keys its row batches have written. A batch that inserts a row "unless it is there" (an order's first guest, a
/// guest's last visit at a restaurant) then knows which of its rows are new and inserts those plainly (copied in when
/// many, <see cref="RowInsert"/>), with no conflict check; and which are there already. Queued statements write rows
/// no batch knows of: once one has written a table (it inserts into, updates,
/// deletes from or truncates <c>ledger.&lt;table&gt;</c>; one that names no table may write any), the rows of the
/// guests it was queued for (<see cref="ProjectionContext.QueueForGuests"/>), or all the table's rows when it was
/// queued for no guests or the table's keys do not say whose a row is, are <see cref="RowState.Unknown"/> from then
/// on. A statement that writes a table through a function, not by name, must name no table. It keeps every key asked
/// about (about 100 bytes each) until the replay ends.
/// </summary>
public sealed class RowKeys
{
    sealed class Table
    {
        public object? Keys; // a HashSet of the one key type the table's batch asks with
        public bool AllUnknown;
        public readonly HashSet<string> UnknownGuests = new(StringComparer.Ordinal);
    }

    readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    readonly Dictionary<Type, object> _remembered = [];
    bool _allUnknown;

    /// <summary>
    /// What a projection keeps, for as long as the replay, of the rows it wrote beyond their keys (the accounting
    /// projection: each lot's value, each chain's zone and closed months); created on first use.
    /// </summary>
    public T Remembered<T>() where T : class, new()
    {
        if (!_remembered.TryGetValue(typeof(T), out var found)) _remembered[typeof(T)] = found = new T();
        return (T)found;
    }

    /// <summary>Whether no queued statement may have written any row of <paramref name="table"/>.</summary>
    public bool Knows(string table) => Of(table) is { AllUnknown: false, UnknownGuests.Count: 0 };

    /// <summary>
    /// Whether the row of <paramref name="table"/> under <paramref name="key"/> is there. <paramref name="guestId"/>
    /// is the guest whose row it is when the key says so (null when it does not). A row found
    /// <see cref="RowState.New"/> is taken as written: ask once per row, when writing it.
    /// </summary>
    public RowState Ask<TKey>(string table, TKey key, string? guestId) where TKey : notnull
    {
        var t = Of(table);
        if (t.AllUnknown || (guestId is null ? t.UnknownGuests.Count > 0 : t.UnknownGuests.Contains(guestId)))
            return RowState.Unknown;
        var keys = (HashSet<TKey>)(t.Keys ??= new HashSet<TKey>());
        return keys.Add(key) ? RowState.New : RowState.There;
    }

    /// <summary>
    /// A statement writing <paramref name="tables"/> (null: it names none, so it may write any) was queued for
    /// <paramref name="guests"/> (null: all rows).
    /// </summary>
    internal void Queued(IReadOnlyCollection<string>? tables, IEnumerable<string>? guests)
    {
        if (tables is null)
        {
            _allUnknown = true;
            foreach (var t in _tables.Values) t.AllUnknown = true;
            return;
        }
        foreach (var table in tables)
        {
            var t = Of(table);
            if (guests is null) t.AllUnknown = true;
            else t.UnknownGuests.UnionWith(guests);
        }
    }

    Table Of(string table)
    {
        if (!_tables.TryGetValue(table, out var t)) _tables[table] = t = new Table { AllUnknown = _allUnknown };
        return t;
    }
}

/// <summary>What a replay into empty tables knows of a row (<see cref="RowKeys.Ask"/>).</summary>
public enum RowState
{
    /// <summary>Not there: insert it plainly.</summary>
    New,

    /// <summary>Written earlier in this replay.</summary>
    There,

    /// <summary>A statement may have written it: write it as if the table held anything.</summary>
    Unknown,
}
