using Npgsql;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// One transaction of a counter command. Locks come first and in one order (idempotency key, then identifiers, then
/// the guest's streams, each sorted), so commands that touch the same things queue instead of racing, and never
/// deadlock. Advisory locks take no transaction id, which the event store's append relies on.
/// </summary>
public sealed class UnitOfWork : IAsyncDisposable
{
    readonly bool _genericPlans;

    UnitOfWork(NpgsqlConnection connection, NpgsqlTransaction transaction, bool genericPlans)
    {
        Connection = connection;
        Transaction = transaction;
        _genericPlans = genericPlans;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    /// <summary>
    /// Begins a unit of work. With <paramref name="genericPlans"/>, PostgreSQL plans each prepared statement of this
    /// transaction once for all parameters (<c>plan_cache_mode = force_generic_plan</c>, this transaction only). Each
    /// <see cref="LockBatch"/> sets it, so statements sent before the first one are planned as usual. That suits a
    /// counter command, whose statements are key lookups and writes of one guest. By default PostgreSQL guesses an
    /// array parameter at 10 elements, so the generic plan of a statement over <c>unnest($1)</c> always looks
    /// costlier than one planned for the one to three ids actually sent. It then planned four of an earn's statements
    /// anew on every execution, about a quarter of PostgreSQL's CPU per earn (docs/benchmarks.md). Not for batches of
    /// thousands of rows (migrations), whose plans depend on their sizes.
    /// </summary>
    public static async Task<UnitOfWork> BeginAsync(NpgsqlDataSource dataSource, CancellationToken ct,
        bool genericPlans = false)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        return new UnitOfWork(connection, await connection.BeginTransactionAsync(ct), genericPlans);
    }

    /// <summary>
    /// A batch that waits for, then holds until commit or rollback, a lock per key (keys are namespaced by the caller);
    /// add the statements that need the locks to it and run it. Each statement already in it returns one result set
    /// (the locks' row, and the plan setting's when the unit plans generically), for the caller to skip.
    /// </summary>
    public NpgsqlBatch LockBatch(IEnumerable<string> keys)
    {
        var batch = new NpgsqlBatch(Connection, Transaction);
        // A select rather than SET LOCAL, so that every statement before the caller's returns a row to skip.
        if (_genericPlans)
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('plan_cache_mode', 'force_generic_plan', true)"));
        if (AdvisoryLocks.Take(keys, AdvisoryLocks.Commands) is { } locks) batch.BatchCommands.Add(locks);
        return batch;
    }

    public NpgsqlCommand Command(string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        return command;
    }

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
