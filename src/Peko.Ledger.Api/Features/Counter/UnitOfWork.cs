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
    UnitOfWork(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    public static async Task<UnitOfWork> BeginAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        return new UnitOfWork(connection, await connection.BeginTransactionAsync(ct));
    }

    /// <summary>
    /// A batch that waits for, then holds until commit or rollback, a lock per key (keys are namespaced by the caller);
    /// add the statements that need the locks to it and run it.
    /// </summary>
    public NpgsqlBatch LockBatch(IEnumerable<string> keys)
    {
        var batch = new NpgsqlBatch(Connection, Transaction);
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
