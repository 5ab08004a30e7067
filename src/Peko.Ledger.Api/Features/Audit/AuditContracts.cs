using Peko.Ledger.Api.Features.Guests;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Api.Features.Audit;

/// <summary>A guest's figures at an instant, replayed from its events (not read from the live read models).</summary>
public sealed record AsOfResponse(string GuestId, DateTimeOffset At, long Balance, long PendingPoints, string Tier,
    decimal WindowSpend, int TierWindowMonths, IReadOnlyList<LotResponse> OpenLots, int EventsReplayed)
{
    /// <summary>The id that was asked for, when it had been merged into this guest by that instant.</summary>
    public string? MergedFrom { get; init; }
}

public sealed record FindingResponse(string Kind, string? StreamId, long? Version, long? Seq, string Detail);

public sealed record VerifyResponse(bool Clean, long Streams, long Events, long CheckpointsChecked, long CheckpointsSealed,
    IReadOnlyList<FindingResponse> Findings);

/// <summary>Replay and verify: every projection rebuilt from the events into shadow tables and compared with the live.</summary>
public sealed record ReplayResponse(bool Clean, long EventsReplayed, long Differences, IReadOnlyList<ReplayTableResponse> Tables);

public sealed record ReplayTableResponse(string Table, long LiveRows, long Differences, IReadOnlyList<RowDifference> First);
