using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.EventStore.Audit;

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
    // Each event's hash chains to the previous event of its stream (docs/audit.md). The data part is hashed here,
    // inside the append's one statement, over the stored jsonb's own text, so the hash covers exactly what verify and
    // exports later read. The parts the client knows exactly are written by it, as netstrings (EventHash.HashParts):
    // $14 the tag, chain and stream, $15 each event's type, $16 recorded-at and the metadata. The statement adds the
    // version, the data and the previous hash between them; the bytes are those of ledger.event_hash (Schema/009), whose
    // PL/pgSQL call took about 15 of the statement's 52 µs of execution (pg_stat_statements, one client): PL/pgSQL sets
    // up its expression state again in every transaction, and formats each field on the server.
    // The previous hash is the stream row's last_hash (read in CTE o, from the statement's snapshot: the stream's
    // advisory lock, taken before, keeps it current), and the head statement moves it on with the version, so no lookup
    // into ledger.events is needed. The base version is known before the write (the expected version; 0 for a new
    // stream; o's version for "any"), so the hashes are computed first and the head writes the last one; the insert
    // joins on the head, so a conflict writes nothing and returns no rows.
    // $1 stream, $2 number of events, $3 chain, $4 recorded at, $5-$9 metadata, $10 types, $11 data, $12 stream kind,
    // $13 expected version, $14-$16 the hash's parts above.
    const string Previous = "with recursive o as (select version, last_hash from ledger.streams where id = $1),\n";

    /// <summary>The SHA-256 of one event: {version}, {data} (jsonb) and {previous} (bytea) are SQL expressions.</summary>
    const string Hash = """
        sha256(convert_to($14 || length(({version})::text)::text || ':' || ({version})::text || ',' || $15[{ord}]
            || octet_length({data}::text)::text || ':' || {data}::text || ',' || $16
            || coalesce((2 * octet_length({previous}))::text || ':' || encode({previous}, 'hex') || ',', '-1:,'), 'UTF8'))
        """;

    // The common case, one event, without the recursion: planning is a large part of an append's cost.
    static readonly string OneEventHash = $"""
        h as (select {Hash.Replace("{version}", "{base} + 1").Replace("{ord}", "1").Replace("{data}", "$11[1]")
            .Replace("{previous}", "(select last_hash from o)")} as hash),
        """;

    const string InsertOneEvent = """
        insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at,
                                   correlation_id, causation_id, actor, restaurant_id, idempotency_key, hash, previous_hash)
        select $1, {base} + 1, $10[1], $11[1], $3, $4, $5, $6, $7, $8, $9, h.hash, (select last_hash from o)
        from h, s
        returning seq, version, tx_id
        """;

    // Several events: the recursive CTE chains them one after another; the head writes the last one's hash.
    static readonly string EventsHashes = $"""
        e as (
            select u.type, u.data, u.ord, {"{base}"} + u.ord as version
            from unnest($10::text[], $11::jsonb[]) with ordinality as u(type, data, ord)),
        h as (
            select e.ord, (select last_hash from o) as previous_hash,
                   {Hash.Replace("{version}", "e.version").Replace("{ord}", "e.ord").Replace("{data}", "e.data")
                       .Replace("{previous}", "(select last_hash from o)")} as hash
            from e where e.ord = 1
            union all
            select e.ord, h.hash,
                   {Hash.Replace("{version}", "e.version").Replace("{ord}", "e.ord").Replace("{data}", "e.data")
                       .Replace("{previous}", "h.hash")}
            from h join e on e.ord = h.ord + 1),
        """;

    const string InsertEvents = """
        insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at,
                                   correlation_id, causation_id, actor, restaurant_id, idempotency_key, hash, previous_hash)
        select $1, e.version, e.type, e.data, $3, $4, $5, $6, $7, $8, $9, h.hash, h.previous_hash
        from e join h on h.ord = e.ord, s
        order by e.ord
        returning seq, version, tx_id
        """;

    // {last} is the last event's hash.
    const string NewStreamHead = """
        s as (
            insert into ledger.streams (id, kind, chain_id, version, created_at, updated_at, last_hash)
            values ($1, $12, $3, $2, $4, $4, {last})
            on conflict (id) do nothing
            returning 1)
        """;

    const string ExactVersionHead = """
        s as (
            update ledger.streams set version = version + $2, updated_at = $4, last_hash = {last}
            where id = $1 and chain_id = $3 and version = $13
            returning 1)
        """;

    const string AnyVersionHead = """
        s as (
            insert into ledger.streams as st (id, kind, chain_id, version, created_at, updated_at, last_hash)
            values ($1, $12, $3, $2, $4, $4, {last})
            on conflict (id) do update set version = st.version + excluded.version, updated_at = excluded.updated_at,
                last_hash = excluded.last_hash
            where st.chain_id = excluded.chain_id
            returning 1)
        """;

    static readonly string[] Bases = ["0", "$13", "coalesce((select version from o), 0)"];
    static readonly string[] Heads = [NewStreamHead, ExactVersionHead, AnyVersionHead];

    // [expected: no stream, exactly, any][one event, several]. Built from the static parts above, which C# initialises
    // first because they are declared first.
    static readonly string[,] Statements = Build();

    static string[,] Build()
    {
        var statements = new string[3, 2];
        for (var mode = 0; mode < 3; mode++)
        {
            statements[mode, 0] = (Previous + OneEventHash + "\n" + Heads[mode].Replace("{last}", "(select hash from h)")
                + "\n" + InsertOneEvent).Replace("{base}", Bases[mode]);
            statements[mode, 1] = (Previous + EventsHashes + "\n"
                + Heads[mode].Replace("{last}", "(select hash from h where ord = $2)") + "\n" + InsertEvents)
                .Replace("{base}", Bases[mode]);
        }
        return statements;
    }

    /// <summary>The statement of a one-event append at an exact expected version (benchmarks drive it with pgbench).</summary>
    internal static string OneEventAtExactVersion => Statements[1, 0];

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
        var parts = EventHash.HashParts(chainId, append.StreamId, recordedAt, metadata);
        p.Add(new NpgsqlParameter<string> { TypedValue = parts.Head });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = append.Events.Select(e => EventHash.Netstring(types.NameOf(e.GetType()))).ToArray() });
        p.Add(new NpgsqlParameter<string> { TypedValue = parts.Tail });
        return command;
    }

    static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
