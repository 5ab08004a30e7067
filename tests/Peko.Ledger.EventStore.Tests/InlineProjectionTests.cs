using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
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

    /// <summary>
    /// A replay reads only the parts of the events its projections say they read (<see cref="IProjection.Reads"/>):
    /// one that says nothing gets them all, in a rebuild as in the append.
    /// </summary>
    [Fact]
    public async Task A_rebuild_gives_a_projection_every_part_of_the_events_it_reads()
    {
        var stream = $"parts-{Guid.NewGuid():N}";
        var projection = new EventPartsProjection(stream);
        await using (var command = db.DataSource.CreateCommand(EventPartsProjection.Table)) await command.ExecuteNonQueryAsync();
        var options = new LedgerStoreOptions().Inline(projection);
        var store = TestStore.Create(db.DataSource, options: options);
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10, 20),
            new EventMetadata { Actor = "key_till_1", CorrelationId = "c-1", CausationId = "k-1", RestaurantId = "r-1", IdempotencyKey = "i-1" });
        var appended = await PartsAsync();
        Assert.Equal(2, appended.Count);
        Assert.All(appended, row => Assert.Contains("key_till_1", row));

        await new InlineRebuild(db.DataSource, TestStore.Types(), options, NullLogger<InlineRebuild>.Instance).RebuildAsync();

        Assert.Equal(appended, await PartsAsync());

        async Task<List<string>> PartsAsync()
        {
            var rows = new List<string>();
            await using var command = db.DataSource.CreateCommand("select row::text from event_parts row where stream_id = $1 order by seq");
            command.Parameters.AddWithValue(stream);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            return rows;
        }
    }

    /// <summary>Writes down every part of each event of one stream; says nothing of what it reads.</summary>
    sealed class EventPartsProjection(string stream) : IProjection
    {
        public const string Table = """
            create table if not exists event_parts (seq bigint primary key, stream_id text, version bigint, recorded_at timestamptz,
                correlation_id text, causation_id text, actor text, restaurant_id text, idempotency_key text)
            """;

        public string Name => "event-parts-" + stream;
        public IReadOnlyCollection<string> Tables { get; } = [];
        public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(Deposited)];

        public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
        {
            foreach (var e in events.Where(e => e.StreamId == stream))
                context.Queue("insert into event_parts values ($1, $2, $3, $4, $5, $6, $7, $8, $9)", e.Seq, e.StreamId, e.Version,
                    e.RecordedAt, e.Metadata.CorrelationId, e.Metadata.CausationId, e.Metadata.Actor, e.Metadata.RestaurantId,
                    e.Metadata.IdempotencyKey);
            return ValueTask.CompletedTask;
        }

        public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
        {
            context.Queue("delete from event_parts where stream_id = $1", stream);
            return ValueTask.CompletedTask;
        }
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
