using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// A per-guest-stream points balance, written the way a projection meant for fast replays should be: each batch is
/// aggregated in memory and sent as one upsert of one row per distinct stream, through unnest arrays.
/// </summary>
sealed class StreamBalanceProjection : IProjection
{
    public string Name => "bench-stream-balances";
    // Its tables are outside schema ledger: not replayed by ReplayVerifier.
    public IReadOnlyCollection<string> Tables { get; } = [];

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(PointsEarned)];

    public static Task CreateTableAsync(string connectionString) => BenchServer.ExecuteAsync(connectionString, """
        create table bench_stream_balances (
            stream_id      text primary key,
            points         bigint not null,
            earns          bigint not null,
            last_seq       bigint not null,
            last_earned_at timestamptz not null)
        """);

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        var byStream = new Dictionary<string, Row>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Data is not PointsEarned earned) continue;
            var row = byStream.GetValueOrDefault(e.StreamId);
            byStream[e.StreamId] = new Row(row.Points + earned.Points, row.Earns + 1, e.Seq, earned.OccurredAt);
        }
        context.Queue("""
            insert into bench_stream_balances as b (stream_id, points, earns, last_seq, last_earned_at)
            select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[])
            on conflict (stream_id) do update set points = b.points + excluded.points, earns = b.earns + excluded.earns,
                last_seq = excluded.last_seq, last_earned_at = excluded.last_earned_at
            """,
            byStream.Keys.ToArray(), byStream.Values.Select(r => r.Points).ToArray(),
            byStream.Values.Select(r => r.Earns).ToArray(), byStream.Values.Select(r => r.LastSeq).ToArray(),
            byStream.Values.Select(r => r.LastEarnedAt.ToUniversalTime()).ToArray());
        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("truncate bench_stream_balances");
        return ValueTask.CompletedTask;
    }

    /// <summary>The replay's result, to check it saw every event once: (streams, earns).</summary>
    public static async Task<(long Streams, long Earns)> TotalsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select count(*), coalesce(sum(earns), 0)::bigint from bench_stream_balances");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    readonly record struct Row(long Points, long Earns, long LastSeq, DateTimeOffset LastEarnedAt);
}
