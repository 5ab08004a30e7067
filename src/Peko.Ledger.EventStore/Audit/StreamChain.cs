namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// Checks one stream's hash chain from its rows alone (pure). Each row must hash to its stored hash at its version
/// after its stored previous hash, and that previous hash must be the stored hash of the row one version below.
/// </summary>
public static class StreamChain
{
    /// <param name="streamVersion">The version <c>ledger.streams</c> records for the stream.</param>
    /// <param name="rows">The stream's rows in version order.</param>
    public static IEnumerable<AuditFinding> Check(string chainId, string streamId, long streamVersion, IReadOnlyList<AuditedEvent> rows) =>
        IsIntact(streamVersion, rows) ? [] : Analyse(chainId, streamId, streamVersion, rows);

    /// <summary>
    /// The untouched stream, checked in one pass with nothing built: versions 1..n with n the recorded version, each row
    /// hashing correctly after the stored hash of the row before it (none for version 1). Nearly every stream is one,
    /// and the analysis below finds nothing in any of them; anything else goes to it, to be named.
    /// </summary>
    static bool IsIntact(long streamVersion, IReadOnlyList<AuditedEvent> rows)
    {
        if (rows.Count != streamVersion) return false;
        byte[]? previous = null;
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            if (r.Version != i + 1 || !SameBytes(r.PreviousHash, previous) || !EventHash.Matches(r, r.PreviousHash, r.Hash))
                return false;
            previous = r.Hash;
        }
        return true;
    }

    static bool SameBytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    static IEnumerable<AuditFinding> Analyse(string chainId, string streamId, long streamVersion, IReadOnlyList<AuditedEvent> rows)
    {
        var byVersion = rows.ToDictionary(r => r.Version);
        var storedHashes = rows.Where(r => r.Hash is not null).Select(r => Convert.ToHexStringLower(r.Hash!)).ToHashSet();
        var linkedTo = rows.Where(r => r.PreviousHash is not null).Select(r => Convert.ToHexStringLower(r.PreviousHash!)).ToHashSet();
        var last = Math.Max(streamVersion, rows.Count == 0 ? 0 : rows[^1].Version);
        var flagged = new HashSet<long>();

        foreach (var r in rows)
        {
            if (Finding(chainId, streamId, r, last, storedHashes, linkedTo) is { } f) { flagged.Add(r.Version); yield return f; }
            else if (r.Version > streamVersion)
                yield return new(FindingKind.Inserted, chainId, streamId, r.Version, r.Seq,
                    $"beyond the stream's recorded version {streamVersion}");
        }

        for (var v = 1L; v <= last; v++)
        {
            if (byVersion.ContainsKey(v)) continue;
            var next = byVersion.GetValueOrDefault(v + 1);
            yield return new(FindingKind.Deleted, chainId, streamId, v, null,
                next?.PreviousHash is { } h ? $"missing; its hash was {Convert.ToHexStringLower(h)}" : "missing");
        }

        // A row chained to a hash no row holds, with no version gap to explain it: the event it followed was deleted
        // and the later rows renumbered.
        foreach (var r in rows.Where(r => r.PreviousHash is not null && !flagged.Contains(r.Version - 1)))
        {
            var previous = Convert.ToHexStringLower(r.PreviousHash!);
            if (!storedHashes.Contains(previous) && byVersion.ContainsKey(r.Version - 1))
                yield return new(FindingKind.Deleted, chainId, streamId, null, null,
                    $"the event before seq {r.Seq} (hash {previous}) is gone and later versions were renumbered");
        }
    }

    static AuditFinding? Finding(string chainId, string streamId, AuditedEvent r, long last, HashSet<string> storedHashes,
        HashSet<string> linkedTo)
    {
        if (r.Hash is null)
            return new(FindingKind.Inserted, chainId, streamId, r.Version, r.Seq, "has no hash: written outside the append path");
        if (EventHash.Compute(r, r.PreviousHash).AsSpan().SequenceEqual(r.Hash))
            return null;
        for (var v = 1L; v <= last + 1; v++)
            if (v != r.Version && EventHash.Compute(r, v, r.PreviousHash).AsSpan().SequenceEqual(r.Hash))
                return new(FindingKind.Reordered, chainId, streamId, r.Version, r.Seq, $"was written as version {v}");
        var linked = linkedTo.Contains(Convert.ToHexStringLower(r.Hash)) || r.PreviousHash is null && r.Version == 1 ||
                     r.PreviousHash is not null && storedHashes.Contains(Convert.ToHexStringLower(r.PreviousHash));
        return linked
            ? new(FindingKind.Edited, chainId, streamId, r.Version, r.Seq, "its type, data or metadata changed after it was written")
            : new(FindingKind.Inserted, chainId, streamId, r.Version, r.Seq, "its hash matches nothing and no event is chained to it");
    }
}
