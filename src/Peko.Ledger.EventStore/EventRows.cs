using System.Buffers;
using Npgsql;

namespace Peko.Ledger.EventStore;

/// <summary>Reads event rows into <see cref="StoredEvent"/>s; the one place that knows the column order.</summary>
static class EventRows
{
    /// <summary>Every column of an event row, as <see cref="Read"/> takes them.</summary>
    public static readonly string Columns = ColumnsOf(EventParts.All);

    /// <summary>The columns of <paramref name="parts"/> (and the position, type, data and chain), as <see cref="Read"/> takes them.</summary>
    public static string ColumnsOf(EventParts parts) =>
        "seq, tx_id, type, data, chain_id" +
        ((parts & EventParts.Stream) != 0 ? ", stream_id, version" : "") +
        ((parts & EventParts.RecordedAt) != 0 ? ", recorded_at" : "") +
        ((parts & EventParts.Metadata) != 0 ? ", correlation_id, causation_id, actor, restaurant_id, idempotency_key" : "");

    /// <param name="expected">How many rows to make room for (a page's size).</param>
    public static async Task<List<StoredEvent>> ReadAllAsync(NpgsqlCommand command, EventTypeRegistry types,
        CancellationToken ct, EventParts parts = EventParts.All, int expected = 0)
    {
        var events = new List<StoredEvent>(expected);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) events.Add(Read(reader, types, parts));
        return events;
    }

    /// <summary>An event of a row selected with <see cref="ColumnsOf"/>(<paramref name="parts"/>).</summary>
    public static StoredEvent Read(NpgsqlDataReader r, EventTypeRegistry types, EventParts parts = EventParts.All)
    {
        var typeName = r.GetString(2);
        var next = 5;
        var (streamId, version) = (parts & EventParts.Stream) != 0 ? (r.GetString(next++), r.GetInt64(next++)) : ("", 0L);
        var recordedAt = (parts & EventParts.RecordedAt) != 0 ? r.GetFieldValue<DateTimeOffset>(next++) : default;
        var metadata = (parts & EventParts.Metadata) != 0
            ? new EventMetadata
            {
                CorrelationId = NullableString(r, next++),
                CausationId = NullableString(r, next++),
                Actor = NullableString(r, next++),
                RestaurantId = NullableString(r, next++),
                IdempotencyKey = NullableString(r, next++),
            }
            : EventMetadata.None;
        return new StoredEvent(
            Seq: r.GetInt64(0),
            TxId: r.GetFieldValue<ulong>(1),
            StreamId: streamId,
            Version: version,
            TypeName: typeName,
            Data: Data(r, 3, typeName, types),
            ChainId: r.GetString(4),
            RecordedAt: recordedAt,
            Metadata: metadata);
    }

    /// <summary>
    /// The jsonb column as it comes (its binary form: a version byte, then the JSON's UTF-8 text), parsed from a pooled
    /// buffer: no string and no array per event in between.
    /// </summary>
    static object Data(NpgsqlDataReader r, int ordinal, string typeName, EventTypeRegistry types)
    {
        using var stream = r.GetStream(ordinal);
        var length = checked((int)stream.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            stream.ReadExactly(buffer, 0, length);
            if (length == 0 || buffer[0] != JsonbVersion)
                throw new InvalidDataException($"An event's jsonb came in an unknown binary format (version {(length == 0 ? "none" : buffer[0])}).");
            return types.Deserialize(typeName, buffer.AsSpan(1, length - 1));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    const byte JsonbVersion = 1;

    static string? NullableString(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
