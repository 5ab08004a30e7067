using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

public sealed class AsyncProjectionTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IAsyncLifetime
{
    static readonly ProjectionRunnerOptions Fast = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(20),
        StandbyPollInterval = TimeSpan.FromMilliseconds(50),
        RetryDelay = TimeSpan.FromMilliseconds(50),
        BatchSize = 100,
        RebuildBatchSize = 100, // a rebuild in many batches too
    };

    public Task InitializeAsync() => BalanceProjection.CreateTablesAsync(db.DataSource);
    public Task DisposeAsync() => Task.CompletedTask;

    LedgerStore Store() => TestStore.Create(db.DataSource);

    ProjectionRunner Runner(IProjection projection, ProjectionRunnerOptions? options = null) =>
        new(projection, db.DataSource, TestStore.Types(), options ?? Fast, NullLogger.Instance, TimeProvider.System);

    static string Name() => $"p{Guid.NewGuid():N}"[..12];

    [Theory]
    [InlineData(false)] // the first transaction to write also gets the smaller sequence number
    [InlineData(true)]  // the transaction with the smaller id writes the larger sequence number
    public async Task Interleaved_transactions_committing_out_of_order_are_each_seen_once(bool laterTxFirst)
    {
        var name = Name();
        await using var runner = Runner(new BalanceProjection(name, name));
        var store = Store();
        await using var first = await db.DataSource.OpenConnectionAsync();
        await using var second = await db.DataSource.OpenConnectionAsync();
        await using var txFirst = await first.BeginTransactionAsync();
        await using var txSecond = await second.BeginTransactionAsync();
        if (laterTxFirst) await TakeTransactionId(second, txSecond);

        var early = await store.AppendAsync(first, txFirst, TestStore.Chain, [TestStore.Deposit($"{name}-a", ExpectedVersion.Any, 1)]);
        var late = await store.AppendAsync(second, txSecond, TestStore.Chain, [TestStore.Deposit($"{name}-b", ExpectedVersion.Any, 2)]);
        Assert.True(early[0].Seq < late[0].Seq);
        Assert.Equal(laterTxFirst, late[0].TxId < early[0].TxId);

        // The transaction holding the larger sequence commits first; the runner reads while the other is open.
        await txSecond.CommitAsync();
        await runner.CatchUpAsync();
        await txFirst.CommitAsync();
        await CatchUpUntil(runner, name, expected: 2);

        Assert.Equal([early[0].Seq, late[0].Seq], await Seen(name));
    }

    [Fact]
    public async Task A_runner_killed_mid_batch_resumes_with_no_event_lost_or_doubled()
    {
        var name = Name();
        var store = Store();
        for (var i = 0; i < 10; i++)
            await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-{i % 3}", ExpectedVersion.Any, i, 1));
        var killed = false;
        var crashing = new BalanceProjection(name, name)
        {
            // The process dies with half a batch written: its connection goes away under it.
            AfterFirstEvent = async context =>
            {
                await using var killer = await db.DataSource.OpenConnectionAsync();
                await using var kill = new NpgsqlCommand("select pg_terminate_backend($1)", killer);
                kill.Parameters.AddWithValue(context.Connection.ProcessID);
                await kill.ExecuteNonQueryAsync();
                killed = true;
            },
        };
        await using (var dying = Runner(crashing))
            await Eventually(async () =>
            {
                try { await dying.CatchUpAsync(); }
                catch (NpgsqlException) when (killed) { return true; }
                return false;
            });
        Assert.Empty(await Seen(name));

        await using var resumed = Runner(new BalanceProjection(name, name));
        await CatchUpUntil(resumed, name, expected: 20);

        var expected = await Positions(name);
        Assert.Equal(expected, await Seen(name));
        Assert.Equal(Enumerable.Range(0, 10).Sum() + 10, await BalanceTotal(name));
    }

    [Fact]
    public async Task Two_runners_of_one_projection_take_turns_and_never_both_work()
    {
        var name = Name();
        var store = Store();
        await using var a = Runner(new BalanceProjection(name, name));
        await using var b = Runner(new BalanceProjection(name, name));
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runningA = a.RunAsync(stopA.Token);
        var runningB = b.RunAsync(stopB.Token);

        for (var i = 0; i < 20; i++)
        {
            await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-{i % 4}", ExpectedVersion.Any, 1));
            Assert.False(a.IsActive && b.IsActive);
        }
        await Eventually(async () => (await Seen(name)).Count == 20);
        var (active, standby, stopActive) = a.IsActive ? (a, b, stopA) : (b, a, stopB);
        Assert.True(active.IsActive);
        Assert.False(standby.IsActive);

        await stopActive.CancelAsync();
        for (var i = 0; i < 20; i++)
            await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-{i % 4}", ExpectedVersion.Any, 1));
        await Eventually(async () => (await Seen(name)).Count == 40);

        Assert.True(standby.IsActive);
        Assert.Equal(await Positions(name), await Seen(name));
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await Task.WhenAll(runningA, runningB);
    }

    [Fact]
    public async Task A_rebuild_from_zero_equals_the_live_rows()
    {
        var name = Name();
        var store = Store();
        await using var runner = Runner(new BalanceProjection(name, name));
        for (var i = 0; i < 30; i++)
        {
            await store.AppendAsync(TestStore.Chain, new StreamAppend($"{name}-{i % 5}", "account", ExpectedVersion.Any,
                i % 3 == 0 ? new Withdrawn(i) : new Deposited(i * 10)));
            if (i % 10 == 0) await runner.CatchUpAsync();
        }
        await CatchUpUntil(runner, name, expected: 30);
        var live = await Balances(name);

        await runner.RebuildAsync();

        Assert.Equal(live, await Balances(name));
        Assert.Equal(await Positions(name), await Seen(name));
    }

    [Fact]
    public async Task A_projection_that_never_ran_can_be_rebuilt()
    {
        var name = Name();
        var store = Store();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-a", ExpectedVersion.NoStream, 3, 4));
        await using var runner = Runner(new BalanceProjection(name, name));

        await runner.RebuildAsync(); // no checkpoint row exists yet
        await CatchUpUntil(runner, name, expected: 2);

        Assert.Equal(7, await BalanceTotal(name));
    }

    [Fact]
    public async Task An_event_that_cannot_be_loaded_is_parked_and_the_runner_goes_on()
    {
        var name = Name();
        var store = Store();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-x", ExpectedVersion.NoStream, 1));
        await using (var insert = db.DataSource.CreateCommand($$"""
            insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at)
            values ('{{name}}-x', 2, 'deposited', '{"amount": "not a number"}', 'test-chain', now())
            """))
            await insert.ExecuteNonQueryAsync();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit($"{name}-y", ExpectedVersion.NoStream, 5));
        await using var runner = Runner(new BalanceProjection(name, name));

        await CatchUpUntil(runner, name, expected: 2);

        Assert.Equal(6, await BalanceTotal(name));
        Assert.Equal(1, await TestStore.CountAsync(db.DataSource,
            $"select count(*) from ledger.dead_letter_events where projection = '{name}'"));
    }

    static async Task TakeTransactionId(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        await using var command = new NpgsqlCommand("select pg_current_xact_id()", connection, tx);
        await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// Catches up until the projection saw <paramref name="expected"/> events. Other test classes share the
    /// cluster, and any open transaction there holds the safe horizon back for a moment.
    /// </summary>
    async Task CatchUpUntil(ProjectionRunner runner, string name, int expected)
    {
        await Eventually(async () =>
        {
            await runner.CatchUpAsync();
            return (await Seen(name)).Count >= expected;
        });
    }

    static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not hold within 30 s.");
            await Task.Delay(25);
        }
    }

    async Task<List<long>> Seen(string name) => await Longs("select seq from seen where projection = $1 order by seq", name);

    async Task<List<long>> Positions(string name) =>
        await Longs("select seq from ledger.events where stream_id like $1 || '%' and type in ('deposited', 'withdrawn') " +
                    "and data->>'amount' ~ '^[0-9]+$' order by seq", name);

    async Task<long> BalanceTotal(string name) =>
        (await Longs("select coalesce(sum(balance), 0)::bigint from balances where projection = $1", name))[0];

    async Task<List<(string, long)>> Balances(string name)
    {
        await using var command = db.DataSource.CreateCommand(
            "select stream_id, balance from balances where projection = $1 order by stream_id");
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, long)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt64(1)));
        return rows;
    }

    async Task<List<long>> Longs(string sql, string name)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync()) values.Add(reader.GetInt64(0));
        return values;
    }
}
