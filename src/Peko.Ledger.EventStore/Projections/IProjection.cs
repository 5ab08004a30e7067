using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// Turns events into rows. The same projection can run inline (in the append's transaction, so its rows are never
/// behind their events) or async (by the <see cref="ProjectionRunner"/>, checkpointed in the same transaction as
/// its rows). It must be deterministic: a rebuild from zero gives exactly the live rows.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the single-runner lock key.</summary>
    string Name { get; }

    /// <summary>
    /// The tables (in schema <c>ledger</c>, unqualified) this projection writes rows into: a replay writes them into
    /// shadow copies instead and compares (<see cref="Audit.ReplayVerifier"/>). Every statement the projection queues
    /// names them as <c>ledger.&lt;table&gt;</c>.
    /// </summary>
    IReadOnlyCollection<string> Tables { get; }

    /// <summary>
    /// Indexes of its tables that serve readers (lookups, reports, jobs) and none of its own statements: a replay's
    /// shadow tables are made without them, since nothing the replay runs reads by them and each one costs every row
    /// inserted. Naming one that a statement does use slows the replay; it changes none of its rows.
    /// </summary>
    IReadOnlyCollection<string> IndexesForReaders => [];

    /// <summary>The event records this projection handles; others never reach it.</summary>
    IReadOnlyCollection<Type> EventTypes { get; }

    /// <summary>
    /// What of each event it reads beyond its type, data and chain: a replay reads no more from the log than its
    /// projections need (<see cref="EventParts"/>; all unless the projection says less). Inline, one that reads neither
    /// <see cref="EventParts.Position"/> nor <see cref="EventParts.Stream"/> is applied ahead of the append, and its
    /// statements travel in the append's round trip: it must only queue them then, never send them itself.
    /// </summary>
    EventParts Reads => EventParts.All;

    /// <summary>
    /// Applies events in log order. Queue writes on <paramref name="context"/> to send them in one round trip. The list
    /// is the caller's, and may be reused once the call completes: keep what you need from it, not the list.
    /// </summary>
    ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct);

    /// <summary>Deletes every row this projection wrote, before a rebuild from zero.</summary>
    ValueTask ResetAsync(ProjectionContext context, CancellationToken ct);
}
