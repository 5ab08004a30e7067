using Npgsql;

namespace Peko.Ledger.EventStore;

/// <summary>Reads event rows into <see cref="StoredEvent"/>s; the one place that knows the column order.</summary>
static class EventRows
{
    public const string Columns =
        "seq, tx_id, stream_id, version, type, data, chain_id, recorded_at, " +
        "correlation_id, causation_id, actor, restaurant_id, idempotency_key";

    public static async Task<List<StoredEvent>> ReadAllAsync(NpgsqlCommand command, EventTypeRegistry types,
        CancellationToken ct)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) events.Add(Read(reader, types));
        return events;
    }

    public static StoredEvent Read(NpgsqlDataReader r, EventTypeRegistry types)
    {
        var typeName = r.GetString(4);
        return new StoredEvent(
            Seq: r.GetInt64(0),
            TxId: r.GetFieldValue<ulong>(1),
            StreamId: r.GetString(2),
            Version: r.GetInt64(3),
            TypeName: typeName,
            // The jsonb's UTF-8 text as it comes, parsed as it is: no string in between, decoded and encoded again.
            Data: types.Deserialize(typeName, r.GetFieldValue<byte[]>(5)),
            ChainId: r.GetString(6),
            RecordedAt: r.GetFieldValue<DateTimeOffset>(7),
            Metadata: new EventMetadata
            {
                CorrelationId = NullableString(r, 8),
                CausationId = NullableString(r, 9),
                Actor = NullableString(r, 10),
                RestaurantId = NullableString(r, 11),
                IdempotencyKey = NullableString(r, 12),
            });
    }

    static string? NullableString(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
