using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Turns events into rows. The same projection can run inline (in the append's transaction, so its rows are never
/// behind their events) or async (by the <see cref="ProjectionRunner"/>, checkpointed in the same transaction as
/// its rows). It must be deterministic: a rebuild from zero gives exactly the live rows.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the single-runner lock key.</summary>
    string Name { get; }

    /// <summary>
    /// The tables (in schema <c>ledger</c>, unqualified) this projection writes rows into: a replay writes them into
    /// shadow copies instead and compares (<see cref="Audit.ReplayVerifier"/>). Every statement the projection queues
    /// names them as <c>ledger.&lt;table&gt;</c>.
    /// </summary>
    IReadOnlyCollection<string> Tables { get; }

    /// <summary>The event records this projection handles; others never reach it.</summary>
    IReadOnlyCollection<Type> EventTypes { get; }

    /// <summary>Applies events in log order. Queue writes on <paramref name="context"/> to send them in one round trip.</summary>
    ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct);

    /// <summary>Deletes every row this projection wrote, before a rebuild from zero.</summary>
    ValueTask ResetAsync(ProjectionContext context, CancellationToken ct);
}

/// <summary>
/// The open transaction a projection writes in, and what it writes: statements queued in order, and row batches
/// (<see cref="RowBatch"/>) that fold many events' changes to one table into a few set-based statements. Everything
/// goes to the server in one round trip at <see cref="FlushAsync"/>. A queued statement may read or change rows that
/// pending row batches would write, so queueing one first writes the row batches out ahead of it: the effect is always
/// that of applying the events one by one, in order. A replay's context redirects the projections' tables to shadow
/// copies (<paramref name="redirect"/> rewrites each statement).
/// </summary>
public sealed class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction,
    Func<string, string>? redirect = null)
{
    readonly List<NpgsqlBatchCommand> _queued = [];
    readonly List<RowBatch> _rows = [];

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>Queues a statement; queued statements run in order, in one round trip, before the commit.</summary>
    public void Queue(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        Queue(command);
    }

    public void Queue(NpgsqlBatchCommand command)
    {
        WriteRowBatches();
        Add(command);
    }

    /// <summary>
    /// The pending row batch of type <typeparamref name="T"/>, created on first use. Row batches are written out in
    /// the order of their <see cref="RowBatch.Order"/>, whatever order they were first used in.
    /// </summary>
    public T Rows<T>() where T : RowBatch, new()
    {
        foreach (var batch in _rows)
            if (batch is T found) return found;
        var created = new T();
        var at = _rows.FindIndex(r => r.Order > created.Order);
        _rows.Insert(at < 0 ? _rows.Count : at, created);
        return created;
    }

    /// <summary>Runs the queued statements; returns the rows affected by each.</summary>
    public async Task<int[]> FlushAsync(CancellationToken ct)
    {
        WriteRowBatches();
        if (_queued.Count == 0) return [];
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var command in _queued) batch.BatchCommands.Add(command);
        _queued.Clear();
        await batch.ExecuteNonQueryAsync(ct);
        return [.. batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected)];
    }

    void WriteRowBatches()
    {
        foreach (var batch in _rows)
            foreach (var command in batch.Statements())
                Add(command);
        _rows.Clear();
    }

    void Add(NpgsqlBatchCommand command)
    {
        if (redirect is not null) command.CommandText = redirect(command.CommandText);
        _queued.Add(command);
    }
}
