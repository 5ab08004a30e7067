using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>One write of a row batch (<see cref="RowBatch.Writes"/>): a statement, or new rows inserted.</summary>
public abstract class RowWrite
{
    public static implicit operator RowWrite(NpgsqlBatchCommand statement) => new RowStatement(statement);
}

/// <summary>A statement, sent with the others in one round trip.</summary>
public sealed class RowStatement(NpgsqlBatchCommand command) : RowWrite
{
    public NpgsqlBatchCommand Command { get; } = command;
}

/// <summary>
/// New rows of one table, each with the same columns. A few are inserted by one <c>insert … select from unnest(…)</c>
/// statement, sent with the others; from <see cref="CopyFrom"/> rows on (a replay's pages and its folded rows),
/// they are copied in (<c>COPY … FROM STDIN (FORMAT binary)</c>). PostgreSQL takes copied rows as they arrive,
/// while the rest are still being sent, and for less than the statement costs it: it has no arrays to take apart
/// and no function's result to hold (docs/benchmarks.md). Either way a row that breaks a constraint fails the write,
/// as one inserted alone would.
/// </summary>
public abstract class RowInsert : RowWrite
{
    /// <summary>Rows from which an insert is copied in rather than sent as a statement.</summary>
    public const int CopyFrom = 1_000;

    private protected RowInsert(string table) => Table = table;

    /// <summary>The table, unqualified (schema <c>ledger</c>).</summary>
    public string Table { get; }

    public abstract int Count { get; }

    public bool Copies => Count >= CopyFrom;

    /// <summary>The <c>insert … select from unnest(…)</c> statement for the rows.</summary>
    public abstract NpgsqlBatchCommand Statement();

    /// <summary>The COPY command for the rows (before any redirect to shadow tables).</summary>
    public abstract string CopyCommand();

    /// <summary>Copies the rows in with <paramref name="copyCommand"/> (<see cref="CopyCommand"/>, redirected).</summary>
    public abstract Task CopyAsync(NpgsqlConnection connection, string copyCommand, CancellationToken ct);
}

/// <summary>
/// <see cref="RowInsert"/> of <typeparamref name="T"/> rows: each column is named with its value's PostgreSQL type
/// and how to take it from a row, e.g. <c>Insert("guest_points", rows).Text("guest_id", r =&gt; r.Key)</c>.
/// </summary>
public sealed class RowInsert<T>(string table, IReadOnlyCollection<T> rows) : RowInsert(table)
{
    sealed record Column(string Name, string Type, NpgsqlDbType DbType, Func<IEnumerable<T>, Array> Values,
        Func<NpgsqlBinaryImporter, T, CancellationToken, Task> Write); // Type: the SQL type, the parameter is $n::type[]

    readonly List<Column> _columns = [];

    public override int Count => rows.Count;

    public RowInsert<T> Text(string name, Func<T, string?> value) =>
        Add(new Column(name, "text", NpgsqlDbType.Text, rs => rs.Select(value).ToArray(),
            (importer, row, ct) => value(row) is { } v ? importer.WriteAsync(v, NpgsqlDbType.Text, ct) : importer.WriteNullAsync(ct)));

    public RowInsert<T> Long(string name, Func<T, long> value) =>
        Add(new Column(name, "bigint", NpgsqlDbType.Bigint, rs => rs.Select(value).ToArray(),
            (importer, row, ct) => importer.WriteAsync(value(row), NpgsqlDbType.Bigint, ct)));

    public RowInsert<T> Numeric(string name, Func<T, decimal> value) =>
        Add(new Column(name, "numeric", NpgsqlDbType.Numeric, rs => rs.Select(value).ToArray(),
            (importer, row, ct) => importer.WriteAsync(value(row), NpgsqlDbType.Numeric, ct)));

    public RowInsert<T> Date(string name, Func<T, DateOnly?> value) =>
        Add(new Column(name, "date", NpgsqlDbType.Date, rs => rs.Select(value).ToArray(),
            (importer, row, ct) => value(row) is { } v ? importer.WriteAsync(v, NpgsqlDbType.Date, ct) : importer.WriteNullAsync(ct)));

    /// <summary>An instant, stored as UTC (timestamptz).</summary>
    public RowInsert<T> Instant(string name, Func<T, DateTimeOffset?> value) =>
        Add(new Column(name, "timestamptz", NpgsqlDbType.TimestampTz, rs => rs.Select(r => value(r)?.UtcDateTime).ToArray(),
            (importer, row, ct) => value(row) is { } v
                ? importer.WriteAsync(v.UtcDateTime, NpgsqlDbType.TimestampTz, ct)
                : importer.WriteNullAsync(ct)));

    RowInsert<T> Add(Column column)
    {
        _columns.Add(column);
        return this;
    }

    string Names => string.Join(", ", _columns.Select(c => c.Name));

    public override NpgsqlBatchCommand Statement()
    {
        var command = new NpgsqlBatchCommand(
            $"insert into ledger.{Table} ({Names}) select * from unnest(" +
            string.Join(", ", _columns.Select((c, i) => $"${i + 1}::{c.Type}[]")) + ")");
        foreach (var column in _columns)
            command.Parameters.Add(new NpgsqlParameter { Value = column.Values(rows), NpgsqlDbType = NpgsqlDbType.Array | column.DbType });
        return command;
    }

    public override string CopyCommand() => $"copy ledger.{Table} ({Names}) from stdin (format binary)";

    public override async Task CopyAsync(NpgsqlConnection connection, string copyCommand, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(copyCommand, ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            foreach (var column in _columns) await column.Write(importer, row, ct);
        }
        await importer.CompleteAsync(ct);
    }
}
