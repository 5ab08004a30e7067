using Npgsql;
using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>
/// Inline projections that read no position and no stream (<see cref="EventParts"/>) are applied ahead of their append,
/// and their statements travel in the append's round trip.
/// </summary>
public sealed class InlineProjectionsAheadTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await using var command = db.DataSource.CreateCommand(
            "create table if not exists ledger.deposit_log (tag text not null, amount bigint not null, unique (tag, amount))");
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_projection_that_reads_no_position_is_given_the_events_ahead_and_its_rows_commit_with_them()
    {
        var projection = new DepositLog(Guid.NewGuid().ToString("N"));
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(projection));
        var stream = $"account-{Guid.NewGuid():N}";

        var stored = await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10, 20),
            new EventMetadata { Actor = "key_till_1" });

        Assert.Equal([(0L, 0UL, "", 0L, "key_till_1"), (0L, 0UL, "", 0L, "key_till_1")],
            projection.Seen.Select(e => (e.Seq, e.TxId, e.StreamId, e.Version, e.Metadata.Actor!)));
        Assert.Equal(stored.Select(e => e.RecordedAt), projection.Seen.Select(e => e.RecordedAt));
        Assert.All(stored, e => Assert.True(e.Seq > 0));
        Assert.Equal(30, await LoggedAsync(projection.Tag));
    }

    [Fact]
    public async Task A_conflict_is_what_the_append_throws_though_the_rows_sent_after_it_then_failed()
    {
        var projection = new DepositLog(Guid.NewGuid().ToString("N"));
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(projection));
        var stream = $"account-{Guid.NewGuid():N}";
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10));

        // The same again: the stream exists, and the log's row (tag, 10) would be a duplicate.
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10)));

        Assert.Equal(stream, conflict.StreamId);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(conflict.InnerException).SqlState);
        Assert.Equal(1, await store.StreamVersionAsync(stream));
        Assert.Equal(10, await LoggedAsync(projection.Tag));
    }

    [Fact]
    public async Task A_projection_applied_ahead_that_sends_its_statements_itself_fails_and_nothing_is_written()
    {
        var projection = new DepositLog(Guid.NewGuid().ToString("N")) { FlushesItself = true };
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(projection));
        var stream = $"account-{Guid.NewGuid():N}";

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10)));

        Assert.Equal(0, await store.StreamVersionAsync(stream));
        Assert.Equal(0, await LoggedAsync(projection.Tag));
    }

    [Fact]
    public async Task Rows_applied_ahead_that_are_copied_in_are_written_once_the_append_has_run()
    {
        var projection = new DepositLog(Guid.NewGuid().ToString("N")) { InRows = true };
        var store = TestStore.Create(db.DataSource, options: new LedgerStoreOptions().Inline(projection));
        var stream = $"account-{Guid.NewGuid():N}";
        var amounts = Enumerable.Range(1, RowInsert.CopyFrom + 200).Select(a => (long)a).ToArray();

        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, amounts));

        Assert.Equal(amounts.Length, await store.StreamVersionAsync(stream));
        Assert.Equal(amounts.Sum(), await LoggedAsync(projection.Tag));
    }

    async Task<long> LoggedAsync(string tag)
    {
        await using var command = db.DataSource.CreateCommand("select coalesce(sum(amount), 0) from ledger.deposit_log where tag = $1");
        command.Parameters.AddWithValue(tag);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// A row per deposit under its tag (in a test table of schema ledger, as row batches write there); reads an event's
    /// data, recorded-at and metadata, no position and no stream.
    /// </summary>
    sealed class DepositLog(string tag) : IProjection
    {
        public string Tag => tag;
        public List<StoredEvent> Seen { get; } = [];
        public bool FlushesItself { get; init; }
        public bool InRows { get; init; }

        public string Name => "deposit-log-" + tag;
        public IReadOnlyCollection<string> Tables { get; } = [];
        public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(Deposited)];
        public EventParts Reads => EventParts.RecordedAt | EventParts.Metadata;

        public async ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
        {
            Seen.AddRange(events);
            foreach (var e in events)
                if (InRows) context.Rows<DepositRows>().Add(tag, ((Deposited)e.Data).Amount);
                else context.Queue("insert into ledger.deposit_log (tag, amount) values ($1, $2)", tag, ((Deposited)e.Data).Amount);
            if (FlushesItself) await context.FlushAsync(ct);
        }

        public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct) => ValueTask.CompletedTask;
    }

    sealed class DepositRows : RowBatch
    {
        readonly List<(string Tag, long Amount)> _rows = [];

        public void Add(string tag, long amount) => _rows.Add((tag, amount));

        public override int Order => 100;
        public override IReadOnlyCollection<string> Tables { get; } = ["deposit_log"];
        public override int Count => _rows.Count;

        public override IEnumerable<RowWrite> Writes()
        {
            yield return Insert("deposit_log", _rows.ToList()).Text("tag", r => r.Tag).Long("amount", r => r.Amount);
            _rows.Clear();
        }
    }
}
