using Npgsql;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// An event row exactly as stored, for audits: its data as jsonb's own text (never re-serialised), its metadata, its
/// position in the log and its hashes. What verify checks and what an export writes.
/// </summary>
public sealed record AuditedEvent(
    long Seq, ulong TxId, string ChainId, string StreamId, long Version, string Type, string Data,
    DateTimeOffset RecordedAt, string? CorrelationId, string? CausationId, string? Actor, string? RestaurantId,
    string? IdempotencyKey, byte[]? Hash, byte[]? PreviousHash)
{
    public LogPosition Position => new(TxId, Seq);

    /// <summary>The canonical form of <see cref="RecordedAt"/>: UTC, microseconds, as PostgreSQL stores it.</summary>
    public string RecordedAtText => EventHash.Instant(RecordedAt);

    public const string Columns =
        "seq, tx_id, chain_id, stream_id, version, type, data::text, recorded_at, correlation_id, causation_id, actor, " +
        "restaurant_id, idempotency_key, hash, previous_hash";

    public static AuditedEvent Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetFieldValue<ulong>(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5),
        r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), Text(r, 8), Text(r, 9), Text(r, 10), Text(r, 11), Text(r, 12),
        Bytes(r, 13), Bytes(r, 14));

    static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    static byte[]? Bytes(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<byte[]>(i);
}
