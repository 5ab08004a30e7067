using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// Fills a ledger with a history to replay, fast: binary COPY straight into ledger.streams and ledger.events, in
/// log order interleaved across streams (event i is version i / streams + 1 of stream i % streams), the JSON
/// serialised by the real registry so the replay loads it like any appended event. One COPY per chunk, so the log
/// spans several writing transactions.
/// </summary>
static class BulkLoad
{
    const int ChunkSize = 100_000;

    public static async Task<TimeSpan> LoadAsync(NpgsqlDataSource dataSource, EventTypeRegistry types, int events,
        int streams)
    {
        var clock = Stopwatch.StartNew();
        var recordedAt = new DateTime(2026, 11, 22, 9, 0, 0, DateTimeKind.Utc);
        await using var connection = await dataSource.OpenConnectionAsync();
        // The loader writes every stream before its events, so the per-row foreign-key triggers can be skipped
        // (a superuser's privilege: elsewhere they just run).
        var skipTriggers = await Execute(connection, "set session_replication_role = replica");

        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy ledger.streams (id, kind, chain_id, version, created_at, updated_at) from stdin (format binary)"))
        {
            for (var s = 0; s < streams; s++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(StreamId(s), NpgsqlDbType.Text);
                await copy.WriteAsync(BenchEvents.Kind, NpgsqlDbType.Text);
                await copy.WriteAsync(BenchEvents.Chain, NpgsqlDbType.Text);
                await copy.WriteAsync((long)(events / streams + (s < events % streams ? 1 : 0)), NpgsqlDbType.Bigint);
                await copy.WriteAsync(recordedAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(recordedAt, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }

        for (var start = 0; start < events; start += ChunkSize)
        {
            await using var copy = await connection.BeginBinaryImportAsync("""
                copy ledger.events (stream_id, version, type, data, chain_id, recorded_at, actor, restaurant_id)
                from stdin (format binary)
                """);
            for (var i = start; i < Math.Min(events, start + ChunkSize); i++)
            {
                var e = BenchEvents.Earned($"guest-{i % streams:000000}", i);
                await copy.StartRowAsync();
                await copy.WriteAsync(StreamId(i % streams), NpgsqlDbType.Text);
                await copy.WriteAsync((long)(i / streams + 1), NpgsqlDbType.Bigint);
                await copy.WriteAsync("points-earned", NpgsqlDbType.Text);
                await copy.WriteAsync(types.Serialize(e), NpgsqlDbType.Jsonb);
                await copy.WriteAsync(BenchEvents.Chain, NpgsqlDbType.Text);
                await copy.WriteAsync(recordedAt.AddMilliseconds(i), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync("api-key-counter-1", NpgsqlDbType.Text);
                await copy.WriteAsync(e.At, NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
        if (skipTriggers) await Execute(connection, "set session_replication_role = default");
        // COPY bypasses the append statement, which chains each event's hash (docs/audit.md): chain them now, as an
        // operator does after a bulk load, so verify finds the store clean.
        await Execute(connection, "select ledger.hash_unhashed_events()");
        await Execute(connection, InLogOrder);
        // As autovacuum would have left a table this size: statistics fresh, visibility map and hint bits set.
        await Execute(connection, "vacuum (analyze) ledger.streams, ledger.events");
        await Execute(connection, "checkpoint");
        return clock.Elapsed;
    }

    /// <summary>
    /// Chaining the hashes of copied events updates every row, and writes each row's new version where the chaining
    /// reached it, stream by stream: the table ends up in stream order, and a reader of the log in log order fetches
    /// every event from another page (a 1,000,000-event replay spent about 1 s more of PostgreSQL's CPU on it). The
    /// append statement writes each event once, hashed, in log order; this lays a loaded log out the same way.
    /// </summary>
    internal const string InLogOrder = "cluster ledger.events using events_tx_seq";

    static string StreamId(int s) => $"points-guest-{s:000000}";

    /// <summary>False when the statement needs privileges this login lacks (e.g. CHECKPOINT on a server not ours).</summary>
    internal static async Task<bool> Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        try
        {
            await command.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine($"  (skipped '{sql}': {e.MessageText})");
            return false;
        }
    }
}
