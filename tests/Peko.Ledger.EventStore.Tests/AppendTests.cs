using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

public sealed class AppendTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    readonly ManualClock _clock = new();

    LedgerStore Store() => TestStore.Create(db.DataSource, _clock);

    static string NewStream() => $"account-{Guid.NewGuid():N}";

    [Fact]
    public async Task Appended_events_read_back_in_order_with_versions_and_metadata()
    {
        var store = Store();
        var stream = NewStream();
        var metadata = new EventMetadata
        {
            Actor = "key-1", CorrelationId = "corr-1", CausationId = "cause-1", RestaurantId = "d1", IdempotencyKey = "idem-1",
        };

        var written = await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 10, 20), metadata);
        var read = await store.ReadStreamAsync(stream);

        Assert.Equal([1L, 2L], read.Select(e => e.Version));
        Assert.Equal([new Deposited(10), new Deposited(20)], read.Select(e => e.Data));
        Assert.Equal(written.Select(e => e.Seq), read.Select(e => e.Seq));
        Assert.All(read, e => Assert.Equal(metadata, e.Metadata));
        Assert.All(read, e => Assert.Equal(_clock.GetUtcNow(), e.RecordedAt));
        Assert.Equal(2, await store.StreamVersionAsync(stream));
    }

    /// <summary>
    /// The append hashes around netstrings the client writes (AppendStatements); backfills and many-stream appends call
    /// ledger.event_hash. Every mode, one event and several, multibyte text, null metadata, a time with microseconds:
    /// both forms give the same bytes, and each event names its predecessor's hash.
    /// </summary>
    [Fact]
    public async Task Every_append_mode_hashes_its_events_exactly_as_the_schemas_event_hash_does()
    {
        var store = Store();
        var (a, b) = (NewStream(), NewStream());
        _clock.Advance(TimeSpan.FromTicks(1_234_567));
        var multibyte = new EventMetadata { Actor = "khóa-ä", CorrelationId = "corr \"1\" ✓", RestaurantId = "Đông Du" };
        await store.AppendAsync(TestStore.Chain, new StreamAppend(a, "account", ExpectedVersion.NoStream, new Renamed("Phở ✓")), multibyte);
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(a, ExpectedVersion.Exactly(1), 5, 6));
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(a, ExpectedVersion.Any, 7), multibyte with { IdempotencyKey = "idem-ạ" });
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(b, ExpectedVersion.Any, 8, 9));
        await store.AppendAsync(TestStore.Chain, [TestStore.Deposit(a, ExpectedVersion.Exactly(4), 10), TestStore.Deposit(b, ExpectedVersion.Exactly(2), 11)]);
        // More streams than the per-stream statements take go as one set-based statement (ManyStreamsAppend): streams
        // with events already, continuing their chains, and new ones, with one or several events each.
        var (c, d) = (NewStream(), NewStream());
        await store.AppendAsync(TestStore.Chain, [TestStore.Deposit(a, ExpectedVersion.Exactly(5), 12, 13),
            TestStore.Deposit(b, ExpectedVersion.Exactly(3), 14), TestStore.Deposit(c, ExpectedVersion.NoStream, 15, 16),
            TestStore.Deposit(d, ExpectedVersion.Any, 17)], multibyte);

        var where = $"from ledger.events where stream_id in ('{a}', '{b}', '{c}', '{d}')";
        Assert.Equal(14, await TestStore.CountAsync(db.DataSource, $"select count(hash) {where}"));
        Assert.Equal(0, await TestStore.CountAsync(db.DataSource, $"""
            select count(*) {where} and hash is distinct from ledger.event_hash(chain_id, stream_id, version, type, data,
                recorded_at, correlation_id, causation_id, actor, restaurant_id, idempotency_key, previous_hash)
            """));
        Assert.Equal(0, await TestStore.CountAsync(db.DataSource, $"""
            select count(*) from ledger.events e left join ledger.events p on p.stream_id = e.stream_id and p.version = e.version - 1
            where e.stream_id in ('{a}', '{b}', '{c}', '{d}') and e.previous_hash is distinct from p.hash
            """));
    }

    /// <summary>
    /// Several commands appended together (the counter's batches) keep each its own actor, restaurant and idempotency
    /// key, in the columns and in the hash, whether the streams go as a statement each (2) or as one (6).
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Each_stream_of_one_append_can_carry_its_own_metadata(int streams)
    {
        var store = Store();
        var call = new EventMetadata { Actor = "khóa-ä", CorrelationId = "corr \"batch\" ✓", RestaurantId = "Đông Du" };
        var own = Enumerable.Range(0, streams).Select(i => i % 2 == 0
            ? new EventMetadata { Actor = $"key-{i}", RestaurantId = $"d{i}", IdempotencyKey = $"earn:d{i}:HD-{i}" }
            : null).ToList();
        var appends = own.Select((m, i) => TestStore.Deposit(NewStream(), ExpectedVersion.NoStream, i + 1, i + 2) with { Metadata = m })
            .ToList();

        var written = await store.AppendAsync(TestStore.Chain, appends, call);

        for (var i = 0; i < streams; i++)
        {
            var read = await store.ReadStreamAsync(appends[i].StreamId);
            Assert.All(read, e => Assert.Equal(own[i] ?? call, e.Metadata));
            Assert.All(written.Where(e => e.StreamId == appends[i].StreamId), e => Assert.Equal(own[i] ?? call, e.Metadata));
        }
        var ids = string.Join(", ", appends.Select(a => $"'{a.StreamId}'"));
        Assert.Equal(2 * streams, await TestStore.CountAsync(db.DataSource, $"""
            select count(*) from ledger.events where stream_id in ({ids}) and hash = ledger.event_hash(chain_id, stream_id,
                version, type, data, recorded_at, correlation_id, causation_id, actor, restaurant_id, idempotency_key, previous_hash)
            """));
    }

    /// <summary>A caller's statements sent with the append (the counter's idempotency record) share its fate.</summary>
    [Fact]
    public async Task Statements_sent_alongside_an_append_commit_with_it_roll_back_with_a_conflict_and_report_their_errors()
    {
        var store = Store();
        var stream = NewStream();
        await TestStore.CountAsync(db.DataSource, "create table if not exists alongside_rows (note text primary key); select 0");
        Npgsql.NpgsqlBatchCommand Note(string note) => new("insert into alongside_rows values ($1)")
            { Parameters = { new Npgsql.NpgsqlParameter { Value = note } } };

        async Task AppendWithAsync(ExpectedVersion expected, string note)
        {
            await using var connection = await db.DataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await store.AppendAsync(connection, tx, TestStore.Chain, [TestStore.Deposit(stream, expected, 1)], null, [Note(note)]);
            await tx.CommitAsync();
        }

        await AppendWithAsync(ExpectedVersion.NoStream, $"{stream}-first");
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => AppendWithAsync(ExpectedVersion.NoStream, $"{stream}-conflict"));
        var duplicate = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => AppendWithAsync(ExpectedVersion.Exactly(1), $"{stream}-first"));

        Assert.Equal(Npgsql.PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        Assert.Equal(1, await TestStore.CountAsync(db.DataSource, $"select count(*) from alongside_rows where note like '{stream}-%'"));
        Assert.Equal(1, await store.StreamVersionAsync(stream));
    }

    [Fact]
    public async Task Two_appends_at_the_same_expected_version_one_wins_and_the_other_writes_nothing()
    {
        var store = Store();
        var stream = NewStream();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 1));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Attempt(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.Exactly(1), 100 + i, 200 + i)))));

        Assert.Equal(1, attempts.Count(a => a is null));
        Assert.All(attempts.Where(a => a is not null), a => Assert.IsType<WrongExpectedVersionException>(a));
        var events = await store.ReadStreamAsync(stream);
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Version));
    }

    [Fact]
    public async Task A_new_stream_cannot_be_created_twice()
    {
        var store = Store();
        var stream = NewStream();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 1));

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 2)));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(TestStore.Chain, TestStore.Deposit(NewStream(), ExpectedVersion.Exactly(3), 2)));
        Assert.Single(await store.ReadStreamAsync(stream));
    }

    [Fact]
    public async Task Any_version_appends_whatever_the_stream_holds()
    {
        var store = Store();
        var stream = NewStream();

        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.Any, 1));
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.Any, 2, 3));

        Assert.Equal([1L, 2L, 3L], (await store.ReadStreamAsync(stream)).Select(e => e.Version));
    }

    [Fact]
    public async Task A_multi_stream_append_is_atomic()
    {
        var store = Store();
        var (a, b) = (NewStream(), NewStream());
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(b, ExpectedVersion.NoStream, 1));

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(TestStore.Chain,
            [TestStore.Deposit(a, ExpectedVersion.NoStream, 5), TestStore.Deposit(b, ExpectedVersion.Exactly(7), 6)]));
        Assert.Empty(await store.ReadStreamAsync(a));
        Assert.Equal(0, await store.StreamVersionAsync(a));
        Assert.Single(await store.ReadStreamAsync(b));

        await store.AppendAsync(TestStore.Chain,
            [TestStore.Deposit(a, ExpectedVersion.NoStream, 5), TestStore.Deposit(b, ExpectedVersion.Exactly(1), 6)]);
        var (eventsA, eventsB) = (await store.ReadStreamAsync(a), await store.ReadStreamAsync(b));
        Assert.Single(eventsA);
        Assert.Equal(2, eventsB.Count);
        Assert.Equal(eventsA[0].TxId, eventsB[1].TxId);
    }

    [Theory]
    [InlineData(1)] // a statement per stream
    [InlineData(5)] // one statement for all of them
    public async Task Another_chains_stream_is_never_appended_to_even_at_any_version(int others)
    {
        var store = Store();
        var theirs = NewStream();
        var mine = Enumerable.Range(0, others).Select(_ => NewStream()).ToList();
        await store.AppendAsync("another-chain", TestStore.Deposit(theirs, ExpectedVersion.NoStream, 1));

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(TestStore.Chain,
            [TestStore.Deposit(theirs, ExpectedVersion.Any, 2), .. mine.Select(s => TestStore.Deposit(s, ExpectedVersion.NoStream, 3))]));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(TestStore.Chain,
            TestStore.Deposit(theirs, ExpectedVersion.Any, 2)));
        Assert.Single(await store.ReadStreamAsync(theirs));
        foreach (var s in mine) Assert.Equal(0, await store.StreamVersionAsync(s));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task A_stream_behind_its_expected_version_fails_the_whole_append(int streams)
    {
        var store = Store();
        var ids = Enumerable.Range(0, streams).Select(_ => NewStream()).ToList();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(ids[^1], ExpectedVersion.NoStream, 1));

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(TestStore.Chain,
            [.. ids.SkipLast(1).Select(s => TestStore.Deposit(s, ExpectedVersion.NoStream, 5)),
             TestStore.Deposit(ids[^1], ExpectedVersion.Exactly(2), 6)]));
        foreach (var s in ids.SkipLast(1)) Assert.Equal(0, await store.StreamVersionAsync(s));
        Assert.Single(await store.ReadStreamAsync(ids[^1]));
    }

    [Fact]
    public async Task A_stream_reads_from_a_version_up_to_a_version_or_up_to_an_instant()
    {
        var store = Store();
        var stream = NewStream();
        var start = _clock.GetUtcNow();
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.Any, i));
            _clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal([3L, 4L, 5L], (await store.ReadStreamAsync(stream, fromVersion: 3)).Select(e => e.Version));
        Assert.Equal([2L, 3L], (await store.ReadStreamAsync(stream, 2, toVersion: 3)).Select(e => e.Version));
        Assert.Equal([1L, 2L],
            (await store.ReadStreamAsync(stream, recordedUntil: start.AddHours(1.5))).Select(e => e.Version));
    }


    /// <summary>
    /// What a command folds: each stream's events in version order, apart even when their appends interleaved in the
    /// log; an empty list for a stream that does not exist; and the streams' append locks held until the transaction ends.
    /// </summary>
    [Fact]
    public async Task Several_streams_are_locked_and_read_apart_in_version_order()
    {
        var store = Store();
        var (a, b, missing) = (NewStream(), NewStream(), NewStream());
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(a, ExpectedVersion.NoStream, 1, 2));
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(b, ExpectedVersion.NoStream, 10));
        await store.AppendAsync(TestStore.Chain, [TestStore.Deposit(a, ExpectedVersion.Exactly(2), 3), TestStore.Deposit(b, ExpectedVersion.Exactly(1), 20)]);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var read = await store.LockAndReadStreamsAsync(connection, tx, [b, missing, a, b]);

        Assert.Equal(new[] { a, b, missing }.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([1L, 2L, 3L], read[a].Select(e => e.Version));
        Assert.Equal([new Deposited(1), new Deposited(2), new Deposited(3)], read[a].Select(e => e.Data));
        Assert.Equal([new Deposited(10), new Deposited(20)], read[b].Select(e => e.Data));
        Assert.All(read[a].Concat(read[b]), e => Assert.True(e.Seq > 0));
        Assert.Empty(read[missing]);

        // Another writer waits for the locks: its append goes through only once this transaction has ended.
        var other = store.AppendAsync(TestStore.Chain, TestStore.Deposit(a, ExpectedVersion.Exactly(3), 4));
        await Task.Delay(300);
        Assert.False(other.IsCompleted);
        await tx.CommitAsync();
        await other;
        Assert.Equal(4, await store.StreamVersionAsync(a));
    }
    [Fact]
    public async Task Bad_appends_are_refused_before_anything_is_sent()
    {
        var store = Store();
        var stream = NewStream();

        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(TestStore.Chain,
            new StreamAppend(stream, "account", ExpectedVersion.Any, Array.Empty<object>())));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync(TestStore.Chain,
            new StreamAppend(stream, "account", ExpectedVersion.Any, new object[] { "not an event" })));
        Assert.Equal(0, await store.StreamVersionAsync(stream));
    }

    [Fact]
    public async Task The_global_log_reads_forward_in_pages()
    {
        var store = Store();
        var stream = NewStream();
        await store.AppendAsync(TestStore.Chain, TestStore.Deposit(stream, ExpectedVersion.NoStream, 1, 2, 3, 4, 5, 6, 7));

        var pages = new List<IReadOnlyList<StoredEvent>>();
        await foreach (var page in store.ReadLogAsync(LogPosition.Start, pageSize: 3, committedOnly: false)) pages.Add(page);

        var mine = pages.SelectMany(p => p).Where(e => e.StreamId == stream).Select(e => e.Version).ToList();
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L], mine);
        Assert.All(pages, p => Assert.InRange(p.Count, 1, 3));
        var positions = pages.SelectMany(p => p).Select(e => e.Position).ToList();
        Assert.Equal(positions.Order(), positions);
    }

    static async Task<Exception?> Attempt(Func<Task> action)
    {
        try { await action(); return null; }
        catch (Exception e) { return e; }
    }
}
