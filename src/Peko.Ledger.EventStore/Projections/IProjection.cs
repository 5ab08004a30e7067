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
/// The open transaction a projection writes in, and a batch of statements sent together at the end. A replay's context
/// redirects the projections' tables to shadow copies (<paramref name="redirect"/> rewrites each queued statement).
/// </summary>
public sealed class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction,
    Func<string, string>? redirect = null)
{
    readonly List<NpgsqlBatchCommand> _queued = [];

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>Queues a statement; queued statements run in order, in one round trip, before the commit.</summary>
    public void Queue(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(redirect is null ? sql : redirect(sql));
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        _queued.Add(command);
    }

    public void Queue(NpgsqlBatchCommand command)
    {
        if (redirect is not null) command.CommandText = redirect(command.CommandText);
        _queued.Add(command);
    }

    /// <summary>Runs the queued statements; returns the rows affected by each.</summary>
    public async Task<int[]> FlushAsync(CancellationToken ct)
    {
        if (_queued.Count == 0) return [];
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var command in _queued) batch.BatchCommands.Add(command);
        _queued.Clear();
        await batch.ExecuteNonQueryAsync(ct);
        return [.. batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected)];
    }
}
