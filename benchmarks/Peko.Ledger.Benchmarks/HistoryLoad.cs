using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Writes a generated history into an empty ledger as <see cref="BulkLoad"/> does: binary COPY into ledger.streams and
/// ledger.events, in log order, one COPY transaction per chunk of about 100,000 events (never splitting a command), with
/// each stream's versions in order, recorded_at increasing and the counter's metadata (actor, restaurant, idempotency
/// key). Streams are written as they first appear (before their events, so the foreign key holds without privileges)
/// and given their final versions at the end; then the hashes are chained, and the tables vacuumed and checkpointed.
/// The history is consumed as it is generated: memory holds one chunk.
/// </summary>
static class HistoryLoad
{
    public sealed record Loaded(long Events, int Streams, IReadOnlyDictionary<string, long> ByType, TimeSpan Generating,
        TimeSpan Elapsed);

    sealed class StreamHead(string kind, DateTime createdAt)
    {
        public string Kind { get; } = kind;
        public DateTime CreatedAt { get; } = createdAt;
        public long Version { get; set; }
        public DateTime UpdatedAt { get; set; } = createdAt;
    }

    sealed record Row(string StreamId, long Version, string Type, string Data, DateTime RecordedAt, LedgerCommand Command);

    public static async Task<Loaded> LoadAsync(NpgsqlDataSource dataSource, EventTypeRegistry types, string chainId,
        IEnumerable<LedgerCommand> commands, int chunkEvents = 100_000)
    {
        var clock = Stopwatch.StartNew();
        var generating = new Stopwatch();
        var streams = new Dictionary<string, StreamHead>(StringComparer.Ordinal);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var recordedAt = DateTime.MinValue;
        long total = 0;
        await using var connection = await dataSource.OpenConnectionAsync();
        var rows = new List<Row>(chunkEvents + 1_000);
        var created = new List<string>();
        using var next = commands.GetEnumerator();
        while (true)
        {
            generating.Start();
            var more = next.MoveNext();
            if (more)
                foreach (var (streamId, kind, e) in next.Current.Events)
                {
                    // Each event strictly after the one before, by at least a microsecond (the column's precision).
                    recordedAt = new DateTime(Math.Max(next.Current.Now.UtcTicks, recordedAt.Ticks + 10), DateTimeKind.Utc);
                    if (!streams.TryGetValue(streamId, out var head))
                    {
                        streams[streamId] = head = new StreamHead(kind, recordedAt);
                        created.Add(streamId);
                    }
                    head.Version++;
                    head.UpdatedAt = recordedAt;
                    var type = types.NameOf(e.GetType());
                    byType[type] = byType.GetValueOrDefault(type) + 1;
                    rows.Add(new Row(streamId, head.Version, type, types.Serialize(e), recordedAt, next.Current));
                }
            generating.Stop();
            if (rows.Count >= chunkEvents || (!more && rows.Count > 0))
            {
                await CopyStreamsAsync(connection, chainId, created.Select(id => (id, streams[id])), final: false);
                await CopyEventsAsync(connection, chainId, rows);
                total += rows.Count;
                Console.WriteLine($"    {total:N0} events loaded ({clock.Elapsed.TotalSeconds:0} s)");
                rows.Clear();
                created.Clear();
            }
            if (!more) break;
        }
        await Step(clock, "stream versions", () => SetVersionsAsync(connection, chainId, streams));
        // COPY bypasses the append statement, which chains each event's hash (docs/audit.md): chain them now, as an
        // operator does after a bulk load (schema 011 has it plan its steps through the (stream_id, version) index).
        await Step(clock, "hash chaining", () => BulkLoad.Execute(connection, "select ledger.hash_unhashed_events()"));
        await Step(clock, "log order", () => BulkLoad.Execute(connection, BulkLoad.InLogOrder));
        await Step(clock, "vacuum (analyze)", () => BulkLoad.Execute(connection, "vacuum (analyze) ledger.streams, ledger.events"));
        await Step(clock, "checkpoint", () => BulkLoad.Execute(connection, "checkpoint"));
        return new Loaded(total, streams.Count, byType, generating.Elapsed, clock.Elapsed);
    }

    static async Task Step(Stopwatch clock, string name, Func<Task> step)
    {
        var started = clock.Elapsed;
        await step();
        Console.WriteLine($"    {name}: {(clock.Elapsed - started).TotalSeconds:0.0} s");
    }

    static async Task CopyStreamsAsync(NpgsqlConnection connection, string chainId,
        IEnumerable<(string Id, StreamHead Head)> streams, bool final)
    {
        var table = final ? "replay_stream_heads" : "ledger.streams";
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {table} (id, kind, chain_id, version, created_at, updated_at) from stdin (format binary)");
        foreach (var (id, head) in streams)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(id, NpgsqlDbType.Text);
            await copy.WriteAsync(head.Kind, NpgsqlDbType.Text);
            await copy.WriteAsync(chainId, NpgsqlDbType.Text);
            await copy.WriteAsync(head.Version, NpgsqlDbType.Bigint);
            await copy.WriteAsync(head.CreatedAt, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(head.UpdatedAt, NpgsqlDbType.TimestampTz);
        }
        await copy.CompleteAsync();
    }

    static async Task CopyEventsAsync(NpgsqlConnection connection, string chainId, List<Row> rows)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy ledger.events (stream_id, version, type, data, chain_id, recorded_at, actor, restaurant_id, idempotency_key)
            from stdin (format binary)
            """);
        foreach (var row in rows)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(row.StreamId, NpgsqlDbType.Text);
            await copy.WriteAsync(row.Version, NpgsqlDbType.Bigint);
            await copy.WriteAsync(row.Type, NpgsqlDbType.Text);
            await copy.WriteAsync(row.Data, NpgsqlDbType.Jsonb);
            await copy.WriteAsync(chainId, NpgsqlDbType.Text);
            await copy.WriteAsync(row.RecordedAt, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(row.Command.Actor, NpgsqlDbType.Text);
            await WriteNullableAsync(copy, row.Command.Restaurant);
            await WriteNullableAsync(copy, row.Command.IdempotencyKey);
        }
        await copy.CompleteAsync();
    }

    static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) await copy.WriteNullAsync();
        else await copy.WriteAsync(value, NpgsqlDbType.Text);
    }

    /// <summary>A stream was written with the version it had when it first appeared: give each its last version.</summary>
    static async Task SetVersionsAsync(NpgsqlConnection connection, string chainId, Dictionary<string, StreamHead> streams)
    {
        await BulkLoad.Execute(connection, "create temp table replay_stream_heads (like ledger.streams)");
        await CopyStreamsAsync(connection, chainId, streams.Select(s => (s.Key, s.Value)), final: true);
        await BulkLoad.Execute(connection, """
            update ledger.streams s set version = h.version, updated_at = h.updated_at
            from replay_stream_heads h where h.id = s.id and (s.version <> h.version or s.updated_at <> h.updated_at)
            """);
        await BulkLoad.Execute(connection, "drop table replay_stream_heads");
    }
}
