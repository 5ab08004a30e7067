using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.EventStore;

/// <summary>
/// An append to many streams as one statement (a migration batch's thousand, a nightly job's 500 guests): the
/// per-stream rules of <see cref="AppendStatements"/>, set-based. Each stream's base
/// version comes from its expected version (or, for "any", its row, read under the stream locks the batch took first);
/// a stream not at its expected version writes nothing; the others' events hash-chain from the row's last hash, stream
/// by stream (a recursive step per event of the longest stream), and their heads move. The caller compares the rows
/// returned with the events sent: a stream with none is a conflict, and the caller's transaction rolls the rest back.
/// </summary>
static class ManyStreamsAppend
{
    // $1 chain, $2 recorded at; per stream (sorted by id): $3-$7 metadata (correlation, causation, actor, restaurant,
    // idempotency key), $8 ids, $9 kinds, $10 modes (0 must not exist, 1 exactly, 2 any), $11 expected versions, $12
    // event counts, $16 and $17 the hash's parts before the version and after the data (EventHash.HashParts); per
    // event, in stream order: $13 its stream's ordinal, $14 types, $15 data, $18 types as netstrings.
    // Each event's hash is written out here, as the one-stream append's statement does, rather than by a call of
    // ledger.event_hash: PL/pgSQL sets up its expressions again in every transaction and formats every field on the
    // server, about 15 µs an event. The bytes are the same (AppendTests compares them with ledger.event_hash).
    // "h" starts each stream's chain at a row 0 holding the stream's last hash (none for a new stream), so that one
    // step hashes every event; row 0 matches no event and no head.
    // The streams' rows are read under the stream locks the batch took first, so what "cur" reads cannot change before
    // the writes: a stream not at its expected version is left out of "cur" there, and with it its events. (Deciding
    // it from the writes' RETURNING instead meant joining two sets whose sizes a generic plan cannot know, and the
    // nested loop it chose made a thousand-stream append quadratic.) The rows are looked up one by one through the
    // key (the lateral "limit 1" keeps the planner from hashing the whole streams table for a two-stream append).
    const string Sql = """
        with recursive
        cur as (
            select u.id, u.kind, u.n, u.ord, s.last_hash, s.id is null as is_new,
                   case u.mode when 0 then 0 when 1 then u.expected else coalesce(s.version, 0) end as base,
                   u.correlation_id, u.causation_id, u.actor, u.restaurant_id, u.idempotency_key, u.head, u.tail
            from unnest($8::text[], $9::text[], $10::int[], $11::bigint[], $12::int[],
                        $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $16::text[], $17::text[])
                 with ordinality as u(id, kind, mode, expected, n,
                                      correlation_id, causation_id, actor, restaurant_id, idempotency_key, head, tail, ord)
            left join lateral (select id, chain_id, version, last_hash from ledger.streams where id = u.id limit 1) s on true
            where case u.mode when 0 then s.id is null
                              when 1 then s.chain_id = $1 and s.version = u.expected
                              else s.id is null or s.chain_id = $1 end),
        ev as (
            select e.stream_ord, e.type, e.data, e.ord, row_number() over (partition by e.stream_ord order by e.ord) as k,
                   e.type_netstring || octet_length(e.data::text)::text || ':' || e.data::text || ',' as typed_data
            from unnest($13::bigint[], $14::text[], $15::jsonb[], $18::text[])
                 with ordinality as e(stream_ord, type, data, type_netstring, ord)),
        h (stream_ord, k, previous_hash, hash) as (
            select c.ord, 0::bigint, null::bytea, c.last_hash from cur c
            union all
            select ev.stream_ord, ev.k, h.hash,
                   sha256(convert_to(c.head || length((c.base + ev.k)::text)::text || ':' || (c.base + ev.k)::text || ',' || ev.typed_data
                       || c.tail || coalesce((2 * octet_length(h.hash))::text || ':' || encode(h.hash, 'hex') || ',', '-1:,'),
                       'UTF8'))
            from h join ev on ev.stream_ord = h.stream_ord and ev.k = h.k + 1 join cur c on c.ord = ev.stream_ord),
        heads as (
            select c.id, c.kind, c.n, c.is_new, h.hash as last_event_hash from cur c join h on h.stream_ord = c.ord and h.k = c.n),
        moved as (
            update ledger.streams s set version = s.version + hd.n, updated_at = $2, last_hash = hd.last_event_hash
            from heads hd where s.id = hd.id and not hd.is_new),
        created as (
            insert into ledger.streams (id, kind, chain_id, version, created_at, updated_at, last_hash)
            select hd.id, hd.kind, $1, hd.n, $2, $2, hd.last_event_hash from heads hd where hd.is_new)
        insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at,
                                   correlation_id, causation_id, actor, restaurant_id, idempotency_key, hash, previous_hash)
        select c.id, c.base + ev.k, ev.type, ev.data, $1, $2, c.correlation_id, c.causation_id, c.actor, c.restaurant_id,
               c.idempotency_key, h.hash, h.previous_hash
        from ev
        join h on h.stream_ord = ev.stream_ord and h.k = ev.k
        join cur c on c.ord = ev.stream_ord
        order by ev.ord
        returning seq, version, tx_id, stream_id
        """;

    static readonly Func<EventMetadata, string?>[] MetadataFields =
        [m => m.CorrelationId, m => m.CausationId, m => m.Actor, m => m.RestaurantId, m => m.IdempotencyKey];

    /// <param name="ordered">The appends, sorted by stream id; each with its own metadata, or the call's.</param>
    public static NpgsqlBatchCommand Command(string chainId, IReadOnlyList<StreamAppend> ordered, DateTimeOffset recordedAt,
        EventMetadata metadata, EventTypeRegistry types)
    {
        var command = new NpgsqlBatchCommand(Sql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = recordedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        foreach (var field in MetadataFields)
            p.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. ordered.Select(a => field(a.Metadata ?? metadata))] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ordered.Select(a => a.StreamId)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ordered.Select(a => a.Kind)] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. ordered.Select(a => a.Expected.IsAny ? 2 : a.Expected.IsNoStream ? 0 : 1)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ordered.Select(a => a.Expected.IsAny ? 0 : a.Expected.Value)] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. ordered.Select(a => a.Events.Count)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ordered.SelectMany((a, i) => a.Events.Select(_ => (long)i + 1))] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ordered.SelectMany(a => a.Events.Select(e => types.NameOf(e.GetType())))] });
        p.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = [.. ordered.SelectMany(a => a.Events.Select(types.Serialize))],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        var parts = ordered.Select(a => EventHash.HashParts(chainId, a.StreamId, recordedAt, a.Metadata ?? metadata)).ToList();
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. parts.Select(h => h.Head)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. parts.Select(h => h.Tail)] });
        p.Add(new NpgsqlParameter<string[]>
            { TypedValue = [.. ordered.SelectMany(a => a.Events.Select(e => EventHash.Netstring(types.NameOf(e.GetType()))))] });
        return command;
    }
}
