using Peko.Ledger.EventStore.Audit;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>Rows changed behind the ledger's back by direct SQL are found and named by verify (issue 7).</summary>
public sealed class TamperEvidenceTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    readonly ManualClock _clock = new();

    /// <summary>A chain of its own per test (tests share the database), with three streams of five events each.</summary>
    async Task<(string Chain, string[] Streams)> ChainWithThreeStreamsAsync()
    {
        var store = TestStore.Create(db.DataSource, _clock);
        var chain = $"tamper-{Guid.NewGuid():N}";
        var streams = Enumerable.Range(0, 3).Select(i => $"{chain}-account-{i}").ToArray();
        var metadata = new EventMetadata { Actor = "key-ä", CorrelationId = "corr \"1\"", RestaurantId = "d1" };
        foreach (var s in streams)
        {
            await store.AppendAsync(chain, TestStore.Deposit(s, ExpectedVersion.NoStream, 10, 20), metadata);
            _clock.Advance(TimeSpan.FromMilliseconds(1.234));
            await store.AppendAsync(chain, new StreamAppend(s, "account", ExpectedVersion.Exactly(2), new Withdrawn(5),
                new Renamed("Nguyễn Thị Linh ✓")));
            await store.AppendAsync(chain, TestStore.Deposit(s, ExpectedVersion.Any, 7));
        }
        await AllBelowTheHorizonAsync(chain);
        return (chain, streams);
    }

    /// <summary>
    /// Checkpoints cover only events below the oldest running transaction of the whole server, and other test classes
    /// hold transactions open on it: wait until this chain's events are all below.
    /// </summary>
    async Task AllBelowTheHorizonAsync(string chain)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await TestStore.CountAsync(db.DataSource, $"select count(*) from ledger.events where chain_id = '{chain}' " +
                    "and tx_id >= pg_snapshot_xmin(pg_current_snapshot())") == 0) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("A transaction stayed open for 10 s.");
    }

    LedgerVerifier Verifier(int checkpointEvery = 4) => new(db.DataSource, new AuditOptions { CheckpointEvery = checkpointEvery }, _clock);

    Task Sql(string sql, params object[] parameters) => Execute(sql, parameters);

    async Task Execute(string sql, object[] parameters)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync();
    }

    async Task<long> SeqOf(string stream, long version) =>
        await TestStore.CountAsync(db.DataSource, $"select seq from ledger.events where stream_id = '{stream}' and version = {version}");

    [Fact]
    public async Task An_append_to_several_streams_at_once_numbers_and_chains_each_stream_as_one_at_a_time_would()
    {
        var store = TestStore.Create(db.DataSource, _clock);
        var chain = $"many-{Guid.NewGuid():N}";
        var (fresh, anyNew, exact, anyOld) = ($"{chain}-a", $"{chain}-b", $"{chain}-c", $"{chain}-d");
        await store.AppendAsync(chain, TestStore.Deposit(exact, ExpectedVersion.NoStream, 1, 2));
        await store.AppendAsync(chain, TestStore.Deposit(anyOld, ExpectedVersion.NoStream, 3));

        var written = await store.AppendAsync(chain, [
            TestStore.Deposit(anyOld, ExpectedVersion.Any, 40), TestStore.Deposit(fresh, ExpectedVersion.NoStream, 10, 11, 12),
            TestStore.Deposit(exact, ExpectedVersion.Exactly(2), 30, 31), TestStore.Deposit(anyNew, ExpectedVersion.Any, 20, 21),
        ], new EventMetadata { Actor = "key-1", RestaurantId = "d1" });

        Assert.Equal(written.Select(e => e.Seq).Order(), written.Select(e => e.Seq));
        Assert.Equal([(fresh, 1L), (fresh, 2L), (fresh, 3L), (anyNew, 1L), (anyNew, 2L), (exact, 3L), (exact, 4L), (anyOld, 2L)],
            written.Select(e => (e.StreamId, e.Version)));
        Assert.Equal([30L, 31L], (await store.ReadStreamAsync(exact, fromVersion: 3)).Select(e => ((Deposited)e.Data).Amount));
        Assert.Equal(4, await store.StreamVersionAsync(exact));
        Assert.Equal(2, await store.StreamVersionAsync(anyOld));
        var report = await Verifier().VerifyAsync(chain, seal: false);
        Assert.True(report.Clean, string.Join("; ", report.Findings));
        Assert.Equal(11, report.Events);
    }

    [Fact]
    public async Task An_untouched_store_verifies_clean_and_is_sealed_every_n_events()
    {
        var (chain, _) = await ChainWithThreeStreamsAsync();

        var first = await Verifier().VerifyAsync(chain);
        var second = await Verifier().VerifyAsync(chain);

        Assert.Empty(first.Findings);
        Assert.Equal((3L, 15L, 0L, 3L), (first.Streams, first.Events, first.CheckpointsChecked, first.CheckpointsSealed));
        Assert.Empty(second.Findings);
        Assert.Equal((3L, 0L), (second.CheckpointsChecked, second.CheckpointsSealed));
    }

    [Fact]
    public async Task A_stream_longer_than_a_page_is_checked_whole_across_the_pages()
    {
        // Verify reads pages of AuditLog.PageSize rows (the next one while the last is checked): a stream that goes on
        // past a page must still be one stream, its rows chained across the edge.
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        var (length, stream) = (AuditLog.PageSize + 2000, $"{chain}-account-1-long");
        await Sql("insert into ledger.streams (id, kind, chain_id, version, created_at, updated_at) values ($1, 'account', $2, $3, now(), now())",
            stream, chain, (long)length);
        await Sql("""
            insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at)
            select $1, v, 'deposited', jsonb_build_object('amount', v), $2, now() from generate_series(1, $3::bigint) v
            """, stream, chain, (long)length);
        await Sql("select ledger.hash_unhashed_events()");
        await AllBelowTheHorizonAsync(chain);
        var clean = await Verifier().VerifyAsync(chain, seal: false);
        await Sql("update ledger.events set data = '{\"amount\": 1}' where stream_id = $1 and version = $2", stream, length - 1L);

        var finding = Assert.Single((await Verifier().VerifyAsync(chain, seal: false)).Findings);

        Assert.Equal((0, 4L, 15L + length), (clean.Findings.Count, clean.Streams, clean.Events));
        Assert.Equal((FindingKind.Edited, stream, length - 1L), (finding.Kind, finding.StreamId, finding.Version));
        Assert.True(string.CompareOrdinal(streams[1], stream) < 0 && string.CompareOrdinal(stream, streams[2]) < 0);
    }

    [Fact]
    public async Task An_update_of_one_events_data_is_named()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        await Sql("update ledger.events set data = '{\"amount\": 2000}' where stream_id = $1 and version = 2", streams[1]);

        var finding = Assert.Single((await Verifier().VerifyAsync(chain)).Findings);

        Assert.Equal((FindingKind.Edited, streams[1], 2L, await SeqOf(streams[1], 2)),
            (finding.Kind, finding.StreamId, finding.Version, finding.Seq));
    }

    [Fact]
    public async Task An_update_of_one_events_metadata_is_named()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        await Sql("update ledger.events set actor = 'someone-else' where stream_id = $1 and version = 4", streams[0]);

        var finding = Assert.Single((await Verifier().VerifyAsync(chain)).Findings);

        Assert.Equal((FindingKind.Edited, streams[0], 4L), (finding.Kind, finding.StreamId, finding.Version));
    }

    [Fact]
    public async Task A_delete_of_one_event_is_named()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        await Sql("delete from ledger.events where stream_id = $1 and version = 3", streams[2]);

        var finding = Assert.Single((await Verifier().VerifyAsync(chain)).Findings);

        Assert.Equal((FindingKind.Deleted, streams[2], 3L), (finding.Kind, finding.StreamId, finding.Version));
    }

    [Fact]
    public async Task A_swapped_pair_is_named_with_the_versions_each_was_written_at()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        var (third, fourth) = (await SeqOf(streams[0], 3), await SeqOf(streams[0], 4));
        await Sql("update ledger.events set version = -3 where stream_id = $1 and version = 3", streams[0]);
        await Sql("update ledger.events set version = 3 where stream_id = $1 and version = 4", streams[0]);
        await Sql("update ledger.events set version = 4 where stream_id = $1 and version = -3", streams[0]);

        var findings = (await Verifier().VerifyAsync(chain)).Findings;

        Assert.Equal([(FindingKind.Reordered, 3L, fourth, "was written as version 4"), (FindingKind.Reordered, 4L, third, "was written as version 3")],
            findings.Select(f => (f.Kind, f.Version!.Value, f.Seq!.Value, f.Detail)).Order());
    }

    [Fact]
    public async Task A_row_inserted_by_sql_is_named()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        await Sql("""
            insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at)
            values ($1, 6, 'deposited', '{"amount": 1000000}', $2, now())
            """, streams[1], chain);

        var finding = Assert.Single((await Verifier().VerifyAsync(chain)).Findings);

        Assert.Equal((FindingKind.Inserted, streams[1], 6L), (finding.Kind, finding.StreamId, finding.Version));
    }

    [Fact]
    public async Task Deleting_a_streams_last_event_and_its_version_breaks_the_seal()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        Assert.Equal(3, (await Verifier().VerifyAsync(chain)).CheckpointsSealed);
        // The stream's own chain cannot show this: nothing follows the last event. The checkpoints can.
        await Sql("delete from ledger.events where stream_id = $1 and version = 5", streams[0]);
        await Sql("update ledger.streams set version = 4 where id = $1", streams[0]);

        var findings = (await Verifier().VerifyAsync(chain)).Findings;

        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal(FindingKind.CheckpointBroken, f.Kind));
    }

    [Fact]
    public async Task Rows_written_before_the_audit_schema_are_hashed_once_and_then_verify_clean()
    {
        var (chain, streams) = await ChainWithThreeStreamsAsync();
        await Sql("update ledger.events set hash = null, previous_hash = null where chain_id = $1 and version >= 2", chain);
        Assert.Equal(12, (await Verifier().VerifyAsync(chain, seal: false)).Findings.Count);

        await Sql("select ledger.hash_unhashed_events()");

        Assert.Empty((await Verifier().VerifyAsync(chain)).Findings);
        Assert.Equal(5, await TestStore.CountAsync(db.DataSource,
            $"select count(*) from ledger.events where stream_id = '{streams[0]}' and hash is not null"));
    }
}
