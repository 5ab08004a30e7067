using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.Tests;

public sealed record Deposited(long Amount);
public sealed record Withdrawn(long Amount);
public sealed record Renamed(string Name);

static class TestStore
{
    public const string Chain = "test-chain";

    public static EventTypeRegistry Types() => new EventTypeRegistry()
        .Register<Deposited>("deposited")
        .Register<Withdrawn>("withdrawn")
        .Register<Renamed>("renamed.v2");

    public static LedgerStore Create(NpgsqlDataSource dataSource, TimeProvider? time = null,
        LedgerStoreOptions? options = null, EventTypeRegistry? types = null) =>
        new(dataSource, types ?? Types(), options ?? new LedgerStoreOptions(), time ?? TimeProvider.System);

    public static StreamAppend Deposit(string stream, ExpectedVersion expected, params long[] amounts) =>
        new(stream, "account", expected, amounts.Select(a => (object)new Deposited(a)).ToList());

    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

/// <summary>
/// Balance per stream, plus a row per event it saw (no unique key, so a doubled event shows as a duplicate).
/// Works inline and async.
/// </summary>
sealed class BalanceProjection(string name = "balances", string? onlyStreamsStartingWith = null) : IProjection
{
    public string Name => name;
    // Its tables are outside schema ledger: not replayed by ReplayVerifier.
    public IReadOnlyCollection<string> Tables { get; } = [];

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(Deposited), typeof(Withdrawn)];

    /// <summary>Runs after the first event of a batch is written, before the rest: a test's crash point.</summary>
    public Func<ProjectionContext, Task>? AfterFirstEvent { get; set; }

    public static async Task CreateTablesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            create table if not exists balances (projection text, stream_id text, balance bigint not null,
                primary key (projection, stream_id));
            create table if not exists seen (projection text, seq bigint not null);
            """);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        // Test classes share a database: a projection under test looks only at its own test's streams.
        var mine = events.Where(e => onlyStreamsStartingWith is null || e.StreamId.StartsWith(onlyStreamsStartingWith,
            StringComparison.Ordinal)).ToList();
        for (var i = 0; i < mine.Count; i++)
        {
            var e = mine[i];
            var delta = e.Data switch { Deposited d => d.Amount, Withdrawn w => -w.Amount, _ => 0 };
            context.Queue("""
                insert into balances (projection, stream_id, balance) values ($1, $2, $3)
                on conflict (projection, stream_id) do update set balance = balances.balance + excluded.balance
                """, name, e.StreamId, delta);
            context.Queue("insert into seen (projection, seq) values ($1, $2)", name, e.Seq);
            if (i == 0 && AfterFirstEvent is { } hook)
            {
                await context.FlushAsync(ct);
                await hook(context);
            }
        }
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from balances where projection = $1", name);
        context.Queue("delete from seen where projection = $1", name);
        return ValueTask.CompletedTask;
    }
}
