namespace Peko.Ledger.EventStore.Audit;

/// <summary>What verify found wrong with a row of the log, as direct SQL would leave it.</summary>
public enum FindingKind
{
    /// <summary>The row's type, data or metadata no longer hash to its stored hash.</summary>
    Edited,
    /// <summary>A version of the stream is missing, or the event a row was chained to is gone.</summary>
    Deleted,
    /// <summary>A row the append path did not write: no hash, or a hash nothing links to and nothing explains.</summary>
    Inserted,
    /// <summary>A row hashes correctly at another version than the one it now holds: rows were swapped or renumbered.</summary>
    Reordered,
    /// <summary>A chain's sealed running hash no longer matches its log up to that checkpoint.</summary>
    CheckpointBroken,
}

/// <summary>One finding, naming the event (stream, version, and seq when the row still exists).</summary>
public sealed record AuditFinding(FindingKind Kind, string ChainId, string? StreamId, long? Version, long? Seq, string Detail)
{
    public override string ToString() =>
        $"{Kind}: chain {ChainId}" + (StreamId is null ? "" : $", stream {StreamId}") +
        (Version is null ? "" : $" version {Version}") + (Seq is null ? "" : $" (seq {Seq})") + $": {Detail}";
}

/// <summary>The outcome of a verify: what was checked, what was sealed, and every finding (expected: none).</summary>
public sealed record VerifyReport(long Streams, long Events, long CheckpointsChecked, long CheckpointsSealed,
    IReadOnlyList<AuditFinding> Findings)
{
    public bool Clean => Findings.Count == 0;
}
