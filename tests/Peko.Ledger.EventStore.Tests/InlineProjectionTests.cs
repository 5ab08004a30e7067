using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

public sealed class InlineProjectionTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IAsyncLifetime
{
    public Task InitializeAsync() => BalanceProjection.CreateTablesAsync(db.DataSource);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_inline_projection_commits_with_its_events_and_never_without_them()
    {
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(new BalanceProjection("inline")));
        var stream = $"account-{Guid.NewGuid():N}";

        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 100, 50));
        await store.AppendAsync(TestStore.Chain,
            new StreamAppend(stream, "account", ExpectedVersion.Exactly(2), new Withdrawn(30)));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(TestStore.Chain,
            new StreamAppend(stream, "account", ExpectedVersion.Exactly(2), new Withdrawn(1000))));

        Assert.Equal(120, await Balance(stream));
        Assert.Equal(3, await TestStore.CountAsync(db.DataSource, "select count(*) from seen where projection = 'inline'" +
            $" and seq in (select seq from ledger.events where stream_id = '{stream}')"));
    }

    [Fact]
    public async Task A_failing_inline_projection_rolls_back_the_append()
    {
        var failing = new BalanceProjection("inline-failing") { AfterFirstEvent = _ => throw new InvalidOperationException("boom") };
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(failing));
        var stream = $"account-{Guid.NewGuid():N}";

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 100)));

        Assert.Equal(0, await store.StreamVersionAsync(stream));
        Assert.Null(await Balance(stream, "inline-failing"));
    }

    async Task<long?> Balance(string stream, string projection = "inline")
    {
        await using var command = db.DataSource.CreateCommand(
            "select balance from balances where projection = $1 and stream_id = $2");
        command.Parameters.AddWithValue(projection);
        command.Parameters.AddWithValue(stream);
        return await command.ExecuteScalarAsync() as long?;
    }
}
