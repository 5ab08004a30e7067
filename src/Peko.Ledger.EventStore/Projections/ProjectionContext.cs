using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// The open transaction a projection writes in, and what it writes: statements queued in order, and row batches
/// (<see cref="RowBatch"/>) that fold many events' changes to one table into a few set-based statements. Everything
/// goes to the server in one round trip at <see cref="FlushAsync"/>.
/// <para>
/// The effect is always that of applying the events one by one, in order. A queued statement may read or change rows
/// that pending row batches would write, so queueing one first writes out the pending batches of the tables it names
/// (<c>ledger.&lt;table&gt;</c> in its text; a statement naming none writes out all of them), and of the tables those
/// batches read. The other batches commute with it and stay pending. A statement queued for some guests
/// (<see cref="QueueForGuests"/>) writes out only those guests' rows of the batches that can tell them apart.
/// </para>
/// <para>
/// A replay holds row batches across many pages (<see cref="SendAsync"/>), so each row is written once, folded,
/// instead of once per page; and it sends without waiting, so the server writes one page while the caller folds the
/// next. A replay's context redirects the projections' tables to shadow copies (<paramref name="redirect"/> rewrites
/// each statement).
/// </para>
/// </summary>
public sealed partial class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction,
    Func<string, string>? redirect = null)
{
    /// <summary>
    /// The pending rows a replay or an inline rebuild holds, unless configured otherwise, before it writes them out
    /// (<c>Peko:Replay:RowLimit</c>; about 1 KB each at the peak measured, docs/architecture.md).
    /// </summary>
    public const int DefaultRowLimit = 1_000_000;

    static readonly ConcurrentDictionary<string, string[]> TablesNamedBy = new(StringComparer.Ordinal);
    static readonly ConcurrentDictionary<string, string[]> TablesWrittenBy = new(StringComparer.Ordinal);
    static readonly ConcurrentDictionary<string, string[]> TablesOnlyInsertedIntoBy = new(StringComparer.Ordinal);

    /// <summary>What is queued, in order: a statement, or new rows copied in (with the COPY command, redirected).</summary>
    readonly List<(NpgsqlBatchCommand? Statement, RowInsert? Copy, string? CopyCommand)> _queued = [];
    readonly List<RowBatch> _rows = [];
    readonly Dictionary<string, List<string>> _deferredIndexes = new(StringComparer.Ordinal);
    Task? _sent;
    RowKeys? _keys;

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>
    /// From now on the projections write into empty tables (a rebuild after its reset, a replay into new shadow
    /// tables): the row batches learn which of their rows are new (<see cref="RowKeys"/>).
    /// </summary>
    public void TrackRowsIntoEmptyTables() => _keys = new RowKeys();

    /// <summary>In a replay into empty tables, what it knows of the rows it wrote (<see cref="RowKeys"/>); else null.</summary>
    internal RowKeys? Keys => _keys;

    /// <summary>Rows held in pending row batches: what a replay weighs against its memory bound.</summary>
    public int PendingRows => _rows.Sum(r => r.Count);

    /// <summary>Queues a statement; queued statements run in order, in one round trip, before the commit.</summary>
    public void Queue(string sql, params object?[] parameters) => Queue(Command(sql, parameters));

    public void Queue(NpgsqlBatchCommand command) => Enqueue(command, null);

    /// <summary>
    /// Queues a statement that reads and writes, in the tables it names, only rows of <paramref name="guests"/> (a merge
    /// moving one guest's rows to another): pending rows of other guests stay pending.
    /// </summary>
    public void QueueForGuests(IReadOnlyCollection<string> guests, string sql, params object?[] parameters) =>
        Enqueue(Command(sql, parameters), guests.ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// The pending row batch of type <typeparamref name="T"/>, created on first use. Row batches are written out in
    /// the order of their <see cref="RowBatch.Order"/>, whatever order they were first used in.
    /// </summary>
    public T Rows<T>() where T : RowBatch, new()
    {
        foreach (var batch in _rows)
            if (batch is T found) return found;
        var created = new T { Keys = _keys };
        var at = _rows.FindIndex(r => r.Order > created.Order);
        _rows.Insert(at < 0 ? _rows.Count : at, created);
        return created;
    }

    /// <summary>
    /// Runs the queued statements and the pending row batches, and waits for them. A queued command's
    /// <see cref="NpgsqlBatchCommand.RecordsAffected"/> then tells what it did.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await SendAsync(allRows: true, ct);
        await DrainAsync();
    }

    /// <summary>
    /// Sends the queued statements and the pending row batches that do not fold (<see cref="RowBatch.Folds"/>; all of
    /// them with <paramref name="allRows"/>) without waiting for them: the server runs them while the caller goes on.
    /// The next send, flush or <see cref="DrainAsync"/> waits for them first (and throws their error); nothing else may
    /// use the connection until then. Statements go in one round trip, or, around the inserts copied in, one before
    /// and one after each.
    /// </summary>
    /// <param name="then">
    /// A statement that reads and writes no projection row (ANALYZE), sent after the rest, with nothing written out
    /// ahead of it.
    /// </param>
    public async Task SendAsync(bool allRows, CancellationToken ct, string? then = null)
    {
        if (Holding)
            throw new InvalidOperationException("An inline projection applied ahead of its append queues its statements; the append sends them.");
        await DrainAsync();
        WriteRowBatches(allRows);
        if (then is not null) Add(new NpgsqlBatchCommand(then));
        if (_queued.Count == 0) return;
        var queued = _queued.ToList();
        _queued.Clear();
        _sent = RunAsync(queued, ct);
    }

    async Task RunAsync(List<(NpgsqlBatchCommand? Statement, RowInsert? Copy, string? CopyCommand)> queued,
        CancellationToken ct)
    {
        NpgsqlBatch? batch = null;
        foreach (var (statement, copy, copyCommand) in queued)
        {
            if (statement is not null)
            {
                (batch ??= new NpgsqlBatch(Connection, Transaction)).BatchCommands.Add(statement);
                continue;
            }
            await RunAsync(batch, ct);
            batch = null;
            await copy!.CopyAsync(Connection, copyCommand!, ct);
        }
        await RunAsync(batch, ct);

        static async Task RunAsync(NpgsqlBatch? batch, CancellationToken ct)
        {
            if (batch is null) return;
            await using (batch) await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// While set, nothing may be sent (<see cref="SendAsync"/> and <see cref="FlushAsync"/> throw): the projections are
    /// applied ahead of their append, whose transaction must take its stream locks before its first write.
    /// </summary>
    internal bool Holding { get; set; }

    /// <summary>
    /// Takes everything queued and pending as statements, for the caller to send in its own round trip; null, with
    /// nothing taken, when rows are to be copied in (1,000 or more), which only <see cref="FlushAsync"/> can send.
    /// </summary>
    internal IReadOnlyList<NpgsqlBatchCommand>? TakeStatements()
    {
        WriteRowBatches(all: true);
        if (_queued.Any(q => q.Statement is null)) return null;
        var statements = _queued.Select(q => q.Statement!).ToList();
        _queued.Clear();
        return statements;
    }

    /// <summary>Waits for what <see cref="SendAsync"/> sent.</summary>
    public async Task DrainAsync()
    {
        if (_sent is not { } sent) return;
        _sent = null;
        await sent;
    }

    void Enqueue(NpgsqlBatchCommand command, IReadOnlySet<string>? guests)
    {
        var named = TablesNamedBy.GetOrAdd(command.CommandText, TablesNamed);
        // A statement naming no table may write any.
        var written = named.Length == 0 ? null : TablesWrittenBy.GetOrAdd(command.CommandText, TablesWritten);
        WriteAhead(named, written, guests, command.CommandText);
        _keys?.Queued(written, guests);
        Add(command);
    }

    /// <summary>
    /// Writes out, ahead of a statement naming <paramref name="named"/> and writing <paramref name="written"/>, the
    /// pending batches it could see or change (all of them when it names no table: <paramref name="written"/> null).
    /// </summary>
    void WriteAhead(string[] named, string[]? written, IReadOnlySet<string>? guests, string sql)
    {
        if (written is null)
        {
            WriteRowBatches(all: true);
            return;
        }
        // A batch that only appends (RowBatch.AppendsOnly) commutes with a statement that only inserts into its table
        // and writes none of the tables it reads: it stays pending.
        var insertedOnly = TablesOnlyInsertedIntoBy.GetOrAdd(sql, TablesOnlyInsertedInto);
        WriteOut(new HashSet<string>(named, StringComparer.Ordinal), _ => false, guests,
            batch => batch.AppendsOnly && insertedOnly.Contains(batch.Tables.First()) && !batch.Tables.Skip(1).Any(written.Contains));
    }

    void WriteRowBatches(bool all) => WriteOut([], batch => all || !batch.Folds, null);

    /// <summary>
    /// Writes out the pending batches that <paramref name="chosen"/> picks or whose tables are in
    /// <paramref name="touched"/>, and those the written ones read (a batch comes after the batches it reads, so this
    /// walks them backwards), in their order. With <paramref name="guests"/>, of a batch that can tell guests apart
    /// only their rows.
    /// </summary>
    void WriteOut(HashSet<string> touched, Func<RowBatch, bool> chosen, IReadOnlySet<string>? guests,
        Func<RowBatch, bool>? commutes = null)
    {
        if (_rows.Count == 0) return;
        var ahead = new bool[_rows.Count];
        var read = new HashSet<string>(StringComparer.Ordinal); // what the batches written out so far read
        for (var i = _rows.Count - 1; i >= 0; i--)
        {
            var batch = _rows[i];
            if (!chosen(batch))
            {
                if (!batch.Tables.Any(touched.Contains)) continue;
                // Stays pending, unless a batch written out (a later one) reads its rows.
                if (commutes?.Invoke(batch) == true && !read.Contains(batch.Tables.First())) continue;
            }
            ahead[i] = true;
            touched.UnionWith(batch.Tables);
            read.UnionWith(batch.Tables.Skip(1));
        }
        var written = new List<RowBatch>();
        for (var i = 0; i < _rows.Count; i++)
        {
            if (!ahead[i]) continue;
            if (guests is not null && _rows[i].Split(guests) is { } part)
            {
                part.Keys = _keys;
                AddAll(part.Writes());
            }
            else
            {
                AddAll(_rows[i].Writes());
                written.Add(_rows[i]);
            }
        }
        _rows.RemoveAll(written.Contains);
    }

    void AddAll(IEnumerable<RowWrite> writes)
    {
        foreach (var write in writes)
        {
            if (write is RowStatement statement) Add(statement.Command);
            else if (write is RowInsert { Copies: true } copy)
                _queued.Add((null, copy, redirect is null ? copy.CopyCommand() : redirect(copy.CopyCommand())));
            else if (write is RowInsert insert) Add(insert.Statement(), readsIndexes: false);
            else throw new InvalidOperationException($"A row batch wrote {write.GetType().Name}, which is neither a statement nor an insert.");
        }
    }

    /// <param name="readsIndexes">False for a plain insert of new rows, which needs no index of its table.</param>
    void Add(NpgsqlBatchCommand command, bool readsIndexes = true)
    {
        if (readsIndexes && _deferredIndexes.Count > 0)
            foreach (var table in TablesNamedBy.GetOrAdd(command.CommandText, TablesNamed))
                if (_deferredIndexes.Remove(table, out var creates))
                    foreach (var create in creates) _queued.Add((new NpgsqlBatchCommand(create), null, null));
        if (redirect is not null) command.CommandText = redirect(command.CommandText);
        _queued.Add((command, null, null));
    }

    /// <summary>
    /// The indexes of a replay's shadow table (<paramref name="table"/>, as statements name it: unqualified), created
    /// only when a statement or a row batch's update first names it: a table that only ever takes new rows is filled
    /// and compared without them (an index costs every row inserted). Their unique ones are made then, so rows a replay
    /// wrote twice fail the replay there; until then the comparison would name them.
    /// </summary>
    internal void DeferIndexes(string table, IReadOnlyList<string> createStatements)
    {
        if (createStatements.Count > 0) _deferredIndexes[table] = [.. createStatements];
    }

    static NpgsqlBatchCommand Command(string sql, object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        return command;
    }

    static string[] TablesNamed(string sql) =>
        [.. LedgerTable().Matches(sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>The tables a statement names only as what it inserts into (it reads them nowhere).</summary>
    static string[] TablesOnlyInsertedInto(string sql)
    {
        var inserted = LedgerTableInsertedInto().Matches(sql).Select(m => m.Groups[1].Value).ToList();
        var named = LedgerTable().Matches(sql).Select(m => m.Groups[1].Value).ToList();
        return [.. inserted.Distinct(StringComparer.Ordinal).Where(t => inserted.Count(i => i == t) == named.Count(n => n == t))];
    }

    /// <summary>The tables a statement inserts into, updates, deletes from or truncates (by name, not through functions).</summary>
    static string[] TablesWritten(string sql) =>
        [.. LedgerTableWritten().Matches(sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex(@"\bledger\.([a-z_][a-z0-9_]*)\b", RegexOptions.CultureInvariant)]
    private static partial Regex LedgerTable();

    [GeneratedRegex(@"\binsert\s+into\s+ledger\.([a-z_][a-z0-9_]*)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LedgerTableInsertedInto();

    [GeneratedRegex(@"\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+ledger\.([a-z_][a-z0-9_]*)\b",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LedgerTableWritten();
}
