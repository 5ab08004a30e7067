using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore;

/// <summary>
/// The SQL of an append. Each stream's append is one statement: a CTE moves the stream's version only if it is the
/// expected one, and the insert joins on it, so a conflict writes nothing and returns no rows.
/// Before any write, the transaction takes an advisory lock per stream (sorted, so no deadlocks). Locks need no
/// transaction id, so a transaction gets its id only once it holds its streams: for any one stream, transaction ids
/// then grow with versions, which the async runner's (tx_id, seq) order relies on.
/// </summary>
static class AppendStatements
{
    // Each event's hash chains to the previous event of its stream (docs/audit.md). It is computed here, inside the
    // append's one statement, rather than in C#: the previous hash is in the database (one index probe on
    // events_stream_version), so C# would need an extra round trip to learn it, and hashing the stored jsonb's own
    // text makes the hash cover exactly what verify and exports later read. The recursive CTE chains the events of a
    // multi-event append one after another.
    const string InsertEvents = """
        , e as (
            select u.type, u.data, u.ord, s.base + u.ord as version
            from s, unnest($10::text[], $11::jsonb[]) with ordinality as u(type, data, ord)),
        h as (
            select e.ord, p.previous_hash, ledger.event_hash($3, $1, e.version, e.type, e.data, $4, $5, $6, $7, $8, $9,
                p.previous_hash) as hash
            from e, lateral (select (select x.hash from ledger.events x where x.stream_id = $1 and x.version = e.version - 1)
                             as previous_hash) p
            where e.ord = 1
            union all
            select e.ord, h.hash, ledger.event_hash($3, $1, e.version, e.type, e.data, $4, $5, $6, $7, $8, $9, h.hash)
            from h join e on e.ord = h.ord + 1)
        insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at,
                                   correlation_id, causation_id, actor, restaurant_id, idempotency_key, hash, previous_hash)
        select $1, e.version, e.type, e.data, $3, $4, $5, $6, $7, $8, $9, h.hash, h.previous_hash
        from e join h on h.ord = e.ord
        order by e.ord
        returning seq, version, tx_id
        """;

    // The common case, one event, without the recursion: the planner's work per append is most of the cost here.
    const string InsertOneEvent = """
        insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at,
                                   correlation_id, causation_id, actor, restaurant_id, idempotency_key, hash, previous_hash)
        select $1, s.base + 1, $10[1], $11[1], $3, $4, $5, $6, $7, $8, $9,
               ledger.event_hash($3, $1, s.base + 1, $10[1], $11[1], $4, $5, $6, $7, $8, $9, p.hash), p.hash
        from s left join ledger.events p on p.stream_id = $1 and p.version = s.base
        returning seq, version, tx_id
        """;

    // $2 = number of events; $12 = stream kind; $13 = expected version.
    const string NewStreamHead = """
        with recursive s as (
            insert into ledger.streams (id, kind, chain_id, version, created_at, updated_at)
            values ($1, $12, $3, $2, $4, $4)
            on conflict (id) do nothing
            returning 0::bigint as base)
        """;

    const string ExactVersionHead = """
        with recursive s as (
            update ledger.streams set version = version + $2, updated_at = $4
            where id = $1 and chain_id = $3 and version = $13
            returning version - $2 as base)
        """;

    const string AnyVersionHead = """
        with recursive s as (
            insert into ledger.streams as st (id, kind, chain_id, version, created_at, updated_at)
            values ($1, $12, $3, $2, $4, $4)
            on conflict (id) do update set version = st.version + excluded.version, updated_at = excluded.updated_at
            where st.chain_id = excluded.chain_id
            returning st.version - $2 as base)
        """;

    // [expected: no stream, exactly, any][one event, several]
    static readonly string[,] Statements =
    {
        { NewStreamHead + "\n" + InsertOneEvent, NewStreamHead + InsertEvents },
        { ExactVersionHead + "\n" + InsertOneEvent, ExactVersionHead + InsertEvents },
        { AnyVersionHead + "\n" + InsertOneEvent, AnyVersionHead + InsertEvents },
    };

    public static NpgsqlBatchCommand Lock(string streamId) =>
        new("select pg_advisory_xact_lock(hashtextextended($1, 0))") { Parameters = { new() { Value = streamId } } };

    public static NpgsqlBatchCommand Append(string chainId, StreamAppend append, DateTimeOffset recordedAt,
        EventMetadata metadata, EventTypeRegistry types)
    {
        var command = new NpgsqlBatchCommand(Statements[append.Expected.IsAny ? 2 : append.Expected.IsNoStream ? 0 : 1,
            append.Events.Count == 1 ? 0 : 1]);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string>{ TypedValue = append.StreamId });
        p.Add(new NpgsqlParameter<long> { TypedValue = append.Events.Count });
        p.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = recordedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(Text(metadata.CorrelationId));
        p.Add(Text(metadata.CausationId));
        p.Add(Text(metadata.Actor));
        p.Add(Text(metadata.RestaurantId));
        p.Add(Text(metadata.IdempotencyKey));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = append.Events.Select(e => types.NameOf(e.GetType())).ToArray() });
        p.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = append.Events.Select(types.Serialize).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        p.Add(new NpgsqlParameter<string> { TypedValue = append.Kind });
        p.Add(new NpgsqlParameter<long> { TypedValue = append.Expected.Value });
        return command;
    }

    static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
