using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Runs one async projection: reads the global log after its checkpoint, applies a batch and moves the checkpoint
/// in the same transaction. One runner per projection across all processes: it works only while holding a
/// session advisory lock on its own unpooled connection, and does all its work on that connection, so losing
/// the connection loses the lock and the work together. The checkpoint update is a compare-and-set: if another
/// runner moved it, the batch rolls back.
/// </summary>
public sealed class ProjectionRunner(
    IProjection projection,
    NpgsqlDataSource dataSource,
    EventTypeRegistry types,
    ProjectionRunnerOptions options,
    ILogger logger,
    TimeProvider time) : IAsyncDisposable
{
    readonly string[] _typeNames = projection.EventTypes.SelectMany(types.StoredNamesOf).Distinct().ToArray();
    LogPosition? _checkpoint;

    public IProjection Projection => projection;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>True while this runner holds the projection's lock.</summary>
    public bool IsActive { get; private set; }

    /// <summary>Works while it holds the lock, stands by while another process does; until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await OpenAsync(ct);
                if (!await TryLockAsync(connection, ct))
                {
                    await Task.Delay(options.StandbyPollInterval, time, ct);
                    continue;
                }
                logger.LogInformation("Projection {Projection} is running on this process", projection.Name);
                IsActive = true;
                try
                {
                    while (!ct.IsCancellationRequested)
                        if (await ProcessBatchAsync(connection, ct) == 0)
                            await Task.Delay(options.PollInterval, time, ct);
                }
                finally
                {
                    IsActive = false;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Projection {Projection} stopped; retrying", projection.Name);
                _checkpoint = null;
                try { await Task.Delay(options.RetryDelay, time, ct); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Takes the lock (waiting up to <see cref="ProjectionRunnerOptions.LockTimeout"/>) and applies everything committed.</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct = default)
    {
        await using var connection = await LockedConnectionAsync(ct);
        return await CatchUpAsync(connection, ct);
    }

    /// <summary>Deletes the projection's rows, resets its checkpoint and replays the whole log, under the lock.</summary>
    public async Task<int> RebuildAsync(CancellationToken ct = default)
    {
        await using var locked = await LockedConnectionAsync(ct);
        var connection = locked.Connection;
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var context = new ProjectionContext(connection, tx);
            await projection.ResetAsync(context, ct);
            context.Queue("insert into ledger.projection_checkpoints (name) values ($1) on conflict do nothing", projection.Name);
            context.Queue(CheckpointUpdate(LogPosition.Start, expected: null));
            await context.FlushAsync(ct);
            await tx.CommitAsync(ct);
        }
        _checkpoint = LogPosition.Start;
        logger.LogInformation("Projection {Projection} reset; replaying the log", projection.Name);
        return await CatchUpAsync(locked, ct, new GrowingTables([.. projection.Tables.Select(t => "ledger." + t)], options.RebuildBatchSize),
            options.RebuildBatchSize);
    }

    /// <summary>
    /// Applies page after page until nothing committed is left. While a page is applied on the locked connection, the
    /// next one is already being read (and deserialised) on another: pages below the horizon never change, so reading
    /// ahead is safe, and the database and the runner work at the same time instead of taking turns.
    /// </summary>
    async Task<int> CatchUpAsync(LockConnection connection, CancellationToken ct, GrowingTables? filling = null,
        int? batchSize = null)
    {
        var size = batchSize ?? options.BatchSize;
        var total = 0;
        var from = _checkpoint ??= await LoadCheckpointAsync(connection, ct);
        var next = ReadAheadAsync(from, size, ct);
        while (true)
        {
            var page = await next;
            if (page.Count == 0) return total;
            Task<List<StoredEvent>>? ahead = page.Count == size ? ReadAheadAsync(page[^1].Position, size, ct) : null;
            try
            {
                await ApplyPageAsync(connection, page, ct);
            }
            catch when (ahead is not null)
            {
                await ahead.ContinueWith(_ => { }, TaskScheduler.Default); // never leave the read-ahead unobserved
                throw;
            }
            total += page.Count;
            if (filling is not null) await filling.AfterAsync(total, connection.Connection, null, ct);
            next = ahead ?? ReadAheadAsync(_checkpoint!.Value, size, ct); // after a short page, look once more
        }
    }

    async Task<List<StoredEvent>> ReadAheadAsync(LogPosition after, int batchSize, CancellationToken ct)
    {
        await using var reader = await dataSource.OpenConnectionAsync(ct);
        return await GlobalLog.ReadPageAsync(reader, null, types, after, batchSize, _typeNames, true, ct,
            projection.Reads);
    }

    /// <summary>
    /// A connection whose session lock dies with it: on dispose the runner releases its advisory locks before the
    /// connection goes back to the pool (and if the connection broke, the server already released them).
    /// </summary>
    async Task<LockConnection> OpenAsync(CancellationToken ct) => new(await dataSource.OpenConnectionAsync(ct));

    async Task<LockConnection> LockedConnectionAsync(CancellationToken ct)
    {
        var connection = await OpenAsync(ct);
        var deadline = time.GetUtcNow() + options.LockTimeout;
        while (!await TryLockAsync(connection, ct))
        {
            if (time.GetUtcNow() >= deadline)
            {
                await connection.DisposeAsync();
                throw new TimeoutException($"Projection '{projection.Name}' is running elsewhere; its lock was not free " +
                                           $"within {options.LockTimeout.TotalSeconds:0} s.");
            }
            await Task.Delay(options.StandbyPollInterval, time, ct);
        }
        return connection;
    }

    async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select pg_try_advisory_lock(hashtextextended('peko-projection:' || $1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>One batch: read after the checkpoint, apply, move the checkpoint, commit. Returns events read.</summary>
    internal async Task<int> ProcessBatchAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var from = _checkpoint ??= await LoadCheckpointAsync(connection, ct);
        var page = await GlobalLog.ReadPageAsync(connection, null, types, from, options.BatchSize, _typeNames, true, ct,
            projection.Reads);
        if (page.Count > 0) await ApplyPageAsync(connection, page, ct);
        return page.Count;
    }

    /// <summary>Applies a page read after the checkpoint and moves the checkpoint past it, in one transaction.</summary>
    async Task ApplyPageAsync(NpgsqlConnection connection, List<StoredEvent> page, CancellationToken ct)
    {
        var from = _checkpoint!.Value;
        await using var tx = await connection.BeginTransactionAsync(ct);

        var context = new ProjectionContext(connection, tx);
        var decoded = new List<StoredEvent>(page.Count);
        foreach (var e in page)
            if (e.Data is UndecodableEvent bad) DeadLetter(context, e, bad);
            else decoded.Add(e);
        if (decoded.Count > 0) await projection.ApplyAsync(decoded, context, ct);

        var to = page[^1].Position;
        var checkpoint = CheckpointUpdate(to, expected: from);
        context.Queue(checkpoint);
        await context.FlushAsync(ct);
        if (checkpoint.RecordsAffected != 1)
        {
            _checkpoint = null;
            throw new InvalidOperationException(
                $"The checkpoint of projection '{projection.Name}' was moved by another runner; the batch was rolled back.");
        }
        await tx.CommitAsync(ct);
        _checkpoint = to;
    }

    void DeadLetter(ProjectionContext context, StoredEvent e, UndecodableEvent bad)
    {
        // The runner must not spin on an event it cannot load: park it with the reason and go on.
        logger.LogWarning("Projection {Projection} skipped event {Seq} ({Type}): {Reason}",
            projection.Name, e.Seq, e.TypeName, bad.Reason);
        context.Queue("""
            insert into ledger.dead_letter_events (projection, seq, type, reason) values ($1, $2, $3, $4)
            on conflict do nothing
            """, projection.Name, e.Seq, e.TypeName, bad.Reason);
    }

    async Task<LogPosition> LoadCheckpointAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // Outside the batch transaction: a batch must read the log before it writes anything.
        await using var command = new NpgsqlCommand("""
            insert into ledger.projection_checkpoints (name) values ($1) on conflict do nothing;
            select tx_id, seq from ledger.projection_checkpoints where name = $1;
            """.Replace("$1", "@name", StringComparison.Ordinal), connection);
        command.Parameters.AddWithValue("name", projection.Name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new LogPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
    }

    NpgsqlBatchCommand CheckpointUpdate(LogPosition to, LogPosition? expected) => new(
        "update ledger.projection_checkpoints set tx_id = $1, seq = $2, updated_at = now() where name = $3" +
        (expected is null ? "" : " and tx_id = $4 and seq = $5"))
    {
        Parameters =
        {
            new NpgsqlParameter<ulong> { TypedValue = to.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 },
            new NpgsqlParameter<long> { TypedValue = to.Seq },
            new NpgsqlParameter<string> { TypedValue = projection.Name },
            new NpgsqlParameter<ulong> { TypedValue = expected?.TxId ?? 0, NpgsqlDbType = NpgsqlDbType.Xid8 },
            new NpgsqlParameter<long> { TypedValue = expected?.Seq ?? 0 },
        },
    };
}

public sealed record ProjectionRunnerOptions
{
    public int BatchSize { get; init; } = 1000;
    /// <summary>
    /// The events a rebuild applies per transaction: a rebuild has the log to get through, and each batch commits
    /// (a flush of the write-ahead log) and plans its statements.
    /// </summary>
    public int RebuildBatchSize { get; init; } = 10_000;
    /// <summary>How long an active runner waits after finding nothing new.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>How often a standby runner tries to take over the lock.</summary>
    public TimeSpan StandbyPollInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a rebuild or one-shot catch-up waits for the projection's lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A pooled connection that gives up its session advisory locks when disposed.</summary>
sealed class LockConnection(NpgsqlConnection connection) : IAsyncDisposable
{
    public static implicit operator NpgsqlConnection(LockConnection c) => c.Connection;

    public NpgsqlConnection Connection { get; } = connection;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var unlock = new NpgsqlCommand("select pg_advisory_unlock_all()", Connection);
                await unlock.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection: the server ended the session, and its locks with it.
        }
        await Connection.DisposeAsync();
    }
}
