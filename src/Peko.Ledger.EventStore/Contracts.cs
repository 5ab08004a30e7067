namespace Peko.Ledger.EventStore;

/// <summary>What the writer believes about a stream's version before its append.</summary>
public readonly record struct ExpectedVersion
{
    readonly long _value;
    ExpectedVersion(long value) => _value = value;

    /// <summary>Append whatever the stream's version is (creating it when missing).</summary>
    public static ExpectedVersion Any { get; } = new(-1);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(0);

    /// <summary>The stream must be exactly at <paramref name="version"/> (0 means it must not exist).</summary>
    public static ExpectedVersion Exactly(long version) =>
        version >= 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version));

    public bool IsAny => _value < 0;
    public bool IsNoStream => _value == 0;
    public long Value => _value;

    public override string ToString() => IsAny ? "any" : IsNoStream ? "no stream" : _value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Who, where and why of an append; stored in columns beside every event it writes.</summary>
public sealed record EventMetadata
{
    public string? CorrelationId { get; init; }
    public string? CausationId { get; init; }
    /// <summary>The API key id (or job name) that caused the events. Never a secret, never personal data.</summary>
    public string? Actor { get; init; }
    public string? RestaurantId { get; init; }
    public string? IdempotencyKey { get; init; }

    public static EventMetadata None { get; } = new();
}

/// <summary>Events to append to one stream, with the version the writer expects it to have.</summary>
public sealed record StreamAppend(string StreamId, string Kind, ExpectedVersion Expected, IReadOnlyList<object> Events)
{
    public StreamAppend(string streamId, string kind, ExpectedVersion expected, params object[] events)
        : this(streamId, kind, expected, (IReadOnlyList<object>)events) { }

    /// <summary>
    /// This stream's who, where and why, when it is not the append's: several commands appended in one transaction
    /// (the counter's batches) each keep their own actor, restaurant and idempotency key.
    /// </summary>
    public EventMetadata? Metadata { get; init; }
}

/// <summary>
/// The parts of a stored event beyond its type, data and chain, which every read gives. A replay reads only those its
/// projections say they read (<see cref="Projections.IProjection.Reads"/>); a part not read is empty in the
/// <see cref="StoredEvent"/> (an empty stream id, version 0, the default instant, <see cref="EventMetadata.None"/>).
/// Reads of the log always give the position too; an inline projection that reads neither it nor the stream is applied
/// ahead of its append, which is when they are not known yet (<see cref="LedgerStore"/>).
/// </summary>
[Flags]
public enum EventParts
{
    None = 0,

    /// <summary><see cref="StoredEvent.StreamId"/> and <see cref="StoredEvent.Version"/>.</summary>
    Stream = 1,

    /// <summary><see cref="StoredEvent.RecordedAt"/>.</summary>
    RecordedAt = 2,

    /// <summary><see cref="StoredEvent.Metadata"/>.</summary>
    Metadata = 4,

    /// <summary><see cref="StoredEvent.Seq"/> and <see cref="StoredEvent.TxId"/>: known once the append has run.</summary>
    Position = 8,

    All = Stream | RecordedAt | Metadata | Position,
}

/// <summary>An event as stored: its position in the global log and its stream, its data and metadata.</summary>
public sealed record StoredEvent(
    long Seq,
    ulong TxId,
    string StreamId,
    long Version,
    string TypeName,
    object Data,
    string ChainId,
    DateTimeOffset RecordedAt,
    EventMetadata Metadata)
{
    public LogPosition Position => new(TxId, Seq);
}

/// <summary>
/// A position in the global log. Async readers order by the writing transaction id first and the sequence second,
/// which is the order in which events become safely readable (see docs/architecture.md).
/// </summary>
public readonly record struct LogPosition(ulong TxId, long Seq) : IComparable<LogPosition>
{
    public static LogPosition Start { get; } = new(0, 0);

    public int CompareTo(LogPosition other) =>
        TxId != other.TxId ? TxId.CompareTo(other.TxId) : Seq.CompareTo(other.Seq);

    public static bool operator <(LogPosition a, LogPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(LogPosition a, LogPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(LogPosition a, LogPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(LogPosition a, LogPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>The data of an event the running code cannot load (unknown type, or JSON that no longer fits).</summary>
public sealed record UndecodableEvent(string TypeName, string Json, string Reason);

/// <summary>A stream was not at the version the writer expected. Nothing of the append was written.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, Exception? inner = null)
    : Exception($"Stream '{streamId}' is not at the expected version ({expected}).", inner)
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
}
