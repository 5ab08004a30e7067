using System.Text.Json;
using Npgsql;
using Peko.Ledger.Domain;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>The outcome of an idempotent command: the response, and whether it is a replay of the first one.</summary>
public sealed record Idempotent<T>(T Response, bool Replayed);

/// <summary>
/// Retries are safe: the first response to a key is stored in the command's transaction, and a repeat with the same
/// request gets it back; the same key with a different request is refused. The key is locked before it is looked up,
/// so concurrent duplicates queue and the second finds the first's record.
/// </summary>
public static class Idempotency
{

    /// <summary>
    /// Takes the key's lock (and the command's other locks), then looks the key up, in one round trip; returns the stored
    /// first response, or null when this is the first time. <paramref name="alongside"/>, a read that needs the same
    /// locks, goes in the same round trip, after the lookup; <paramref name="readAlongside"/> reads its rows, only when
    /// this is the first time.
    /// </summary>
    public static async Task<Idempotent<T>?> LockAndFindAsync<T>(UnitOfWork work, string chainId, string key,
        IEnumerable<string> otherLocks, RequestFingerprint request, JsonSerializerOptions json, CancellationToken ct,
        NpgsqlBatchCommand? alongside = null, Func<NpgsqlDataReader, Task>? readAlongside = null)
    {
        await using var batch = work.LockBatch([LockKey(chainId, key), .. otherLocks]);
        var locks = batch.BatchCommands.Count;
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "select request_hash, response::text from ledger.idempotency_records where chain_id = $1 and key = $2")
            { Parameters = { new NpgsqlParameter { Value = chainId }, new NpgsqlParameter { Value = key } } });
        if (alongside is not null) batch.BatchCommands.Add(alongside);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        for (var i = 0; i < locks; i++) await reader.NextResultAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            if (alongside is not null && readAlongside is not null && await reader.NextResultAsync(ct)) await readAlongside(reader);
            return null;
        }
        return Replay<T>(request, (byte[])reader[0], reader.GetString(1), json);
    }

    /// <summary>The lock a key's commands queue on.</summary>
    public static string LockKey(string chainId, string key) => $"idempotency:{chainId}:{key}";

    /// <summary>The first response stored under a key, for a repeat of its request; a different request is refused.</summary>
    public static Idempotent<T> Replay<T>(RequestFingerprint request, byte[] storedHash, string response,
        JsonSerializerOptions json) =>
        request.Matches(storedHash)
            ? new Idempotent<T>(JsonSerializer.Deserialize<T>(response, json)!, Replayed: true)
            : throw new LedgerRuleViolation("idempotency-key-reused",
                "This order (or idempotency key) was already used with a different request.");

    /// <summary>
    /// The stored hash and first response of each of <paramref name="keys"/> that has one: (key, hash, response). Each
    /// key is looked up through the primary key on its own: as <c>key = any($2)</c>, the generic plan of the counter's
    /// transactions took about 60 µs a key (pg_stat_statements, under the counter benchmark's load).
    /// </summary>
    public static NpgsqlBatchCommand FindManyCommand(string chainId, IEnumerable<string> keys) =>
        new("""
            select q.key, r.request_hash, r.response::text from unnest($2::text[]) as q(key)
            cross join lateral (select request_hash, response from ledger.idempotency_records
                                where chain_id = $1 and key = q.key limit 1) r
            """)
        {
            Parameters = { new NpgsqlParameter { Value = chainId }, new NpgsqlParameter<string[]> { TypedValue = [.. keys] } },
        };

    /// <summary>
    /// One statement that stores the first responses of a command, or of a transaction of earns (<see cref="EarnBatches"/>):
    /// one row per key, for one statement's start-up however many earns share it.
    /// </summary>
    public static NpgsqlBatchCommand SaveManyCommand(string chainId, IReadOnlyList<(string Key, byte[] Hash, string Response)> first,
        DateTimeOffset now) =>
        new("""
            insert into ledger.idempotency_records (chain_id, key, request_hash, status, response, created_at)
            select $1, q.key, q.hash, 201, q.response::jsonb, $2 from unnest($3::text[], $4::bytea[], $5::text[]) as q(key, hash, response)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = chainId }, new NpgsqlParameter { Value = now },
                new NpgsqlParameter<string[]> { TypedValue = [.. first.Select(r => r.Key)] },
                new NpgsqlParameter<byte[][]> { TypedValue = [.. first.Select(r => r.Hash)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. first.Select(r => r.Response)] },
            },
        };

    /// <summary>The statement that stores the first response to the key (sent with the command's append).</summary>
    public static NpgsqlBatchCommand SaveCommand<T>(string chainId, string key, RequestFingerprint request, T response,
        JsonSerializerOptions json, DateTimeOffset now) =>
        SaveManyCommand(chainId, [(key, request.Hash, JsonSerializer.Serialize(response, json))], now);
}
