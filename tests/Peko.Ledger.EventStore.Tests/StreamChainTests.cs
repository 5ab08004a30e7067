using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>
/// The edges of the untouched-stream shortcut in <see cref="StreamChain"/>: streams whose every row hashes correctly
/// and yet are not what the append wrote must still be named as before.
/// </summary>
public sealed class StreamChainTests
{
    const string Chain = "chain", Stream = "account-1";

    /// <summary>Rows hashed and chained as the append does, for the given versions, in that order.</summary>
    static List<AuditedEvent> Chained(params long[] versions)
    {
        var rows = new List<AuditedEvent>();
        byte[]? previous = null;
        foreach (var v in versions)
        {
            var row = new AuditedEvent(100 + v, 1, Chain, Stream, v, "deposited", $"{{\"amount\": {v}}}",
                new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero), null, null, "key-1", "d1", null, null, previous);
            previous = EventHash.Compute(row, previous);
            rows.Add(row with { Hash = previous });
        }
        return rows;
    }

    [Fact]
    public void An_untouched_stream_has_no_findings() =>
        Assert.Empty(StreamChain.Check(Chain, Stream, 3, Chained(1, 2, 3)));

    [Fact]
    public void Rows_that_all_hash_below_a_higher_recorded_version_are_missing_their_last_events()
    {
        var findings = StreamChain.Check(Chain, Stream, 5, Chained(1, 2, 3)).ToList();

        Assert.Equal([(FindingKind.Deleted, 4L, "missing"), (FindingKind.Deleted, 5L, "missing")],
            findings.Select(f => (f.Kind, f.Version!.Value, f.Detail)));
    }

    [Fact]
    public void Rows_that_all_hash_beyond_the_recorded_version_are_inserted()
    {
        var finding = Assert.Single(StreamChain.Check(Chain, Stream, 2, Chained(1, 2, 3)));

        Assert.Equal((FindingKind.Inserted, 3L, "beyond the stream's recorded version 2"), (finding.Kind, finding.Version, finding.Detail));
    }

    [Fact]
    public void A_deleted_event_hidden_by_rehashing_the_renumbered_rows_is_named()
    {
        // Version 2 deleted, and version 3 renumbered to 2 and rehashed there after the hash it still follows (the
        // deleted event's): every row hashes correctly and versions run 1..2, but row 2 does not follow row 1.
        var original = Chained(1, 2, 3);
        var moved = original[2] with { Version = 2 };
        var rows = new List<AuditedEvent> { original[0], moved with { Hash = EventHash.Compute(moved, moved.PreviousHash) } };

        var finding = Assert.Single(StreamChain.Check(Chain, Stream, 2, rows));

        Assert.Equal((FindingKind.Deleted, null, null), (finding.Kind, finding.Version, finding.Seq));
        Assert.Contains("is gone and later versions were renumbered", finding.Detail);
    }
}
