using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore;

/// <summary>
/// The event store: appends to one or several streams atomically with optimistic concurrency, runs inline
/// projections in the append's transaction, and reads streams and the global log.
/// </summary>
public sealed class LedgerStore(NpgsqlDataSource dataSource, EventTypeRegistry types, LedgerStoreOptions options,
    TimeProvider time)
{
    /// <summary>Appends to at most this many streams send a statement per stream; more go as one (<see cref="ManyStreamsAppend"/>).</summary>
    const int PerStreamUpTo = 3;

    public EventTypeRegistry Types => types;
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Appends in one transaction; on a version conflict throws and writes nothing.</summary>
    public async Task<IReadOnlyList<StoredEvent>> AppendAsync(string chainId, IReadOnlyList<StreamAppend> appends,
        EventMetadata? metadata = null, CancellationToken ct = default)
    {
        var quick = appends.Count == 1 && !options.InlineProjectionsHandle(appends);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (quick)
            // One stream, nothing to project inline: lock + append go as one batch in PostgreSQL's implicit
            // transaction, one round trip. A conflict there writes nothing, so no rollback is needed.
            return await AppendCoreAsync(connection, null, chainId, appends, metadata ?? EventMetadata.None, ct);

        await using var tx = await connection.BeginTransactionAsync(ct);
        var stored = await AppendCoreAsync(connection, tx, chainId, appends, metadata ?? EventMetadata.None, ct);
        await tx.CommitAsync(ct);
        return stored;
    }

    public Task<IReadOnlyList<StoredEvent>> AppendAsync(string chainId, StreamAppend append,
        EventMetadata? metadata = null, CancellationToken ct = default) =>
        AppendAsync(chainId, [append], metadata, ct);

    /// <summary>
    /// Appends inside a caller's transaction (which commits or rolls back). Call it before any other write of that
    /// transaction: the stream locks must be taken before the transaction gets its id. After a failure, including a
    /// version conflict, roll the transaction back: the inline projections' rows travel with the events, and may have
    /// been written for a stream that was not at its version.
    /// </summary>
    public Task<IReadOnlyList<StoredEvent>> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        string chainId, IReadOnlyList<StreamAppend> appends, EventMetadata? metadata = null, CancellationToken ct = default) =>
        AppendAsync(connection, tx, chainId, appends, metadata, [], ct);

    /// <summary>
    /// As above, with <paramref name="alongside"/>: the caller's own statements, sent in the append's round trip after
    /// the events (their rows are not read; an error in one is thrown here). On a version conflict they have run too,
    /// and the caller's rollback undoes them; the conflict is what is thrown, even if one of them then failed.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        string chainId, IReadOnlyList<StreamAppend> appends, EventMetadata? metadata,
        IReadOnlyList<NpgsqlBatchCommand> alongside, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return await AppendCoreAsync(connection, tx, chainId, appends, metadata ?? EventMetadata.None, ct, alongside);
    }

    async Task<IReadOnlyList<StoredEvent>> AppendCoreAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        string chainId, IReadOnlyList<StreamAppend> appends, EventMetadata metadata, CancellationToken ct,
        IReadOnlyList<NpgsqlBatchCommand>? alongside = null)
    {
        Validate(appends);
        var ordered = appends.OrderBy(a => a.StreamId, StringComparer.Ordinal).ToList();
        var now = time.GetUtcNow();
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(AdvisoryLocks.Take(ordered.Select(a => a.StreamId), AdvisoryLocks.Streams)!);
        // A few streams (a counter's two or three) are cheaper as a statement each than as the set-based one, whose
        // plan has a dozen nodes to start and stop; a batch of many streams is far cheaper as one.
        var each = ordered.Count <= PerStreamUpTo;
        if (each)
            foreach (var append in ordered)
                batch.BatchCommands.Add(AppendStatements.Append(chainId, append, now, append.Metadata ?? metadata, types));
        else batch.BatchCommands.Add(ManyStreamsAppend.Command(chainId, ordered, now, metadata, types));
        foreach (var command in alongside ?? []) batch.BatchCommands.Add(command);
        // Inline projections that read no position and no stream (EventParts) are applied ahead, to the events as the
        // log will give them, and their statements follow the append in its round trip; the others once it has run.
        // Nothing is sent before the batch: its locks come first in the transaction.
        var inline = tx is null ? null : new ProjectionContext(connection, tx) { Holding = true };
        var ahead = inline is not null && options.InlineProjectionsNeedNo(EventParts.Position | EventParts.Stream);
        if (ahead)
        {
            await ApplyInlineProjectionsAsync(inline!, Ahead(chainId, ordered, now, metadata), ct);
            if (inline!.TakeStatements() is { } statements)
            {
                foreach (var statement in statements) batch.BatchCommands.Add(statement);
                inline = null;
            }
        }

        var written = await WrittenAsync(batch, ordered, each, ct);
        var stored = Stored(chainId, ordered, written, now, metadata);
        if (inline is null) return stored;
        inline.Holding = false;
        if (!ahead) await ApplyInlineProjectionsAsync(inline, stored, ct);
        await inline.FlushAsync(ct); // rows applied ahead but to be copied in, or those applied now
        return stored;
    }

    /// <summary>The events as a projection that reads no position and no stream is given them: in log order.</summary>
    List<StoredEvent> Ahead(string chainId, List<StreamAppend> ordered, DateTimeOffset now, EventMetadata metadata) =>
        [.. ordered.SelectMany(a => a.Events.Select(e =>
            new StoredEvent(0, 0, "", 0, types.NameOf(e.GetType()), e, chainId, now, a.Metadata ?? metadata)))];

    /// <summary>The (seq, version, tx) of each stream's rows the append returned, after the locks' result.</summary>
    static async Task<Dictionary<string, List<(long Seq, long Version, ulong TxId)>>> WrittenAsync(NpgsqlBatch batch,
        List<StreamAppend> ordered, bool statementPerStream, CancellationToken ct)
    {
        var written = ordered.ToDictionary(a => a.StreamId, _ => new List<(long Seq, long Version, ulong TxId)>(), StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past the locks, to the first append
        for (var i = 0; statementPerStream && i < ordered.Count; i++)
        {
            if (i > 0) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                written[ordered[i].StreamId].Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<ulong>(2)));
        }
        while (!statementPerStream && await reader.ReadAsync(ct))
            written[reader.GetString(3)].Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<ulong>(2)));
        try
        {
            // The caller's statements sent alongside and the inline projections' rows: their errors surface here.
            while (await reader.NextResultAsync(ct)) { }
        }
        catch (PostgresException e) when (ordered.FirstOrDefault(a => written[a.StreamId].Count != a.Events.Count) is { } conflict)
        {
            // What ran after a stream that was not at its expected version may have failed because of it.
            throw new WrongExpectedVersionException(conflict.StreamId, conflict.Expected, e);
        }
        return written;
    }

    /// <summary>The events as stored, in log order; a stream with fewer rows than events was not at its expected version.</summary>
    List<StoredEvent> Stored(string chainId, List<StreamAppend> ordered,
        Dictionary<string, List<(long Seq, long Version, ulong TxId)>> written, DateTimeOffset now, EventMetadata metadata)
    {
        var stored = new List<StoredEvent>(ordered.Sum(a => a.Events.Count));
        foreach (var append in ordered)
        {
            var rows = written[append.StreamId];
            if (rows.Count != append.Events.Count) throw new WrongExpectedVersionException(append.StreamId, append.Expected);
            rows.Sort((a, b) => a.Version.CompareTo(b.Version));
            for (var i = 0; i < rows.Count; i++)
                stored.Add(new StoredEvent(rows[i].Seq, rows[i].TxId, append.StreamId, rows[i].Version,
                    types.NameOf(append.Events[i].GetType()), append.Events[i], chainId, now, append.Metadata ?? metadata));
        }
        stored.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return stored;
    }

    async Task ApplyInlineProjectionsAsync(ProjectionContext context, List<StoredEvent> events, CancellationToken ct)
    {
        foreach (var projection in options.InlineProjections)
        {
            var handled = events.Where(e => projection.EventTypes.Contains(e.Data.GetType())).ToList();
            if (handled.Count > 0) await projection.ApplyAsync(handled, context, ct);
        }
    }

    void Validate(IReadOnlyList<StreamAppend> appends)
    {
        if (appends.Count == 0) throw new ArgumentException("Nothing to append.", nameof(appends));
        if (appends.Select(a => a.StreamId).Distinct(StringComparer.Ordinal).Count() != appends.Count)
            throw new ArgumentException("Each stream may appear once per append.", nameof(appends));
        foreach (var append in appends)
        {
            // A stream's version never moves without events (an empty append once wedged Marten streams).
            if (append.Events.Count == 0) throw new ArgumentException($"No events for stream '{append.StreamId}'.");
            foreach (var e in append.Events) types.NameOf(e.GetType());
        }
    }

    /// <summary>Reads a stream in version order, from a version, up to a version and/or up to an instant.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1,
        long? toVersion = null, DateTimeOffset? recordedUntil = null, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {EventRows.Columns} from ledger.events
            where stream_id = $1 and version >= $2 and version <= $3 and recorded_at <= $4
            order by version
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toVersion ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
        {
            TypedValue = (recordedUntil ?? DateTimeOffset.MaxValue).ToUniversalTime(),
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        return await EventRows.ReadAllAsync(command, types, ct);
    }

    /// <summary>
    /// Takes the append locks of these streams (sorted) in the caller's transaction, so it can read them, decide, and
    /// append with no other writer in between. Like an append, it must come before the transaction's first write.
    /// </summary>
    public async Task LockStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<string> streamIds,
        CancellationToken ct = default)
    {
        if (AdvisoryLocks.Take(streamIds, AdvisoryLocks.Streams) is not { } locks) return;
        await using var batch = new NpgsqlBatch(connection, tx) { BatchCommands = { locks } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads several whole streams in one query, inside the caller's transaction; missing streams come back empty.</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<StoredEvent>>> ReadStreamsAsync(NpgsqlConnection connection,
        NpgsqlTransaction? tx, IReadOnlyCollection<string> streamIds, CancellationToken ct = default) =>
        ReadStreamsAsync(connection, tx, streamIds, null, lockFirst: false, EventParts.All, ct);

    /// <summary>
    /// <see cref="LockStreamsAsync"/> then a read of the streams, in one round trip: the read runs once the locks are
    /// held, so what it returns cannot change before the append. It reads what a decision folds: each event's stream,
    /// version and data, and its position; not its recorded time or metadata (a command reads a guest's whole history,
    /// and those columns were a tenth of the service's CPU per event read). With <paramref name="after"/>, a stream
    /// named there comes back from the event after that version only (the caller has folded the ones before).
    /// </summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<StoredEvent>>> LockAndReadStreamsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, IReadOnlyCollection<string> streamIds, IReadOnlyDictionary<string, long>? after = null,
        CancellationToken ct = default) =>
        ReadStreamsAsync(connection, tx, streamIds, after, lockFirst: true, EventParts.Stream, ct);

    async Task<IReadOnlyDictionary<string, IReadOnlyList<StoredEvent>>> ReadStreamsAsync(NpgsqlConnection connection,
        NpgsqlTransaction? tx, IReadOnlyCollection<string> streamIds, IReadOnlyDictionary<string, long>? after,
        bool lockFirst, EventParts parts, CancellationToken ct)
    {
        var ids = streamIds.Distinct().ToArray();
        await using var batch = new NpgsqlBatch(connection, tx);
        var locks = lockFirst ? AdvisoryLocks.Take(ids, AdvisoryLocks.Streams) : null;
        if (locks is not null) batch.BatchCommands.Add(locks);
        // Stream by stream through the (stream_id, version) key: "offset 0" keeps the planner from turning this into a
        // join it might hash over the whole log (a generic plan cannot know how few ids the array holds). Streams read
        // from the start (all of them, for a migration's thousands) go without the version bound, as they always have:
        // its plan is PostgreSQL's to choose anew, and migrations' custom plans depend on it.
        var from = ids.Select(id => after?.GetValueOrDefault(id) ?? 0).ToArray();
        var command = from.Any(v => v > 0)
            ? new NpgsqlBatchCommand($"""
                select {EventRows.ColumnsOf(parts | EventParts.Stream)} from unnest($1::text[], $2::bigint[]) as q(id, after)
                cross join lateral (select * from ledger.events where stream_id = q.id and version > q.after
                                    order by version offset 0) e
                """) { Parameters = { new NpgsqlParameter<long[]> { TypedValue = from } } }
            : new NpgsqlBatchCommand($"""
                select {EventRows.ColumnsOf(parts | EventParts.Stream)} from unnest($1::text[]) as q(id)
                cross join lateral (select * from ledger.events where stream_id = q.id order by version offset 0) e
                """);
        command.Parameters.Insert(0, new NpgsqlParameter<string[]> { TypedValue = ids });
        batch.BatchCommands.Add(command);
        var read = ids.ToDictionary(id => id, _ => new List<StoredEvent>(), StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (locks is not null) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var e = EventRows.Read(reader, types, parts | EventParts.Stream);
                read[e.StreamId].Add(e);
            }
        }
        return read.ToDictionary(r => r.Key, r => (IReadOnlyList<StoredEvent>)r.Value, StringComparer.Ordinal);
    }

    /// <summary>The stream's current version, or 0 when it does not exist.</summary>
    public async Task<long> StreamVersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select version from ledger.streams where id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return await command.ExecuteScalarAsync(ct) is long version ? version : 0;
    }

    /// <summary>
    /// Reads the global log forward after <paramref name="after"/>, one page per item, in (tx_id, seq) order. With
    /// <paramref name="committedOnly"/> (the default) it stops below the oldest running transaction, so no page is
    /// ever followed by an earlier-positioned event committing later.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<StoredEvent>> ReadLogAsync(LogPosition after, int pageSize = 1000,
        bool committedOnly = true, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        while (true)
        {
            var page = await GlobalLog.ReadPageAsync(connection, null, types, after, pageSize, null, committedOnly, ct);
            if (page.Count == 0) yield break;
            yield return page;
            after = page[^1].Position;
            if (page.Count < pageSize) yield break;
        }
    }
}

/// <summary>Which projections run inline, in the append's transaction.</summary>
public sealed class LedgerStoreOptions
{
    readonly List<IProjection> _inline = [];
    readonly List<IProjection> _async = [];

    public IReadOnlyList<IProjection> InlineProjections => _inline;
    public IReadOnlyList<IProjection> AsyncProjections => _async;

    public LedgerStoreOptions Inline(IProjection projection) { _inline.Add(projection); return this; }
    public LedgerStoreOptions Async(IProjection projection) { _async.Add(projection); return this; }

    /// <summary>True when no inline projection reads any of <paramref name="parts"/>.</summary>
    internal bool InlineProjectionsNeedNo(EventParts parts) => _inline.All(p => (p.Reads & parts) == 0);

    internal bool InlineProjectionsHandle(IReadOnlyList<StreamAppend> appends) =>
        _inline.Count > 0 && appends.Any(a => a.Events.Any(e => _inline.Any(p => p.EventTypes.Contains(e.GetType()))));
}
