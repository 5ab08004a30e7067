using System.Text.Json;

namespace Peko.Ledger.Cli.Commands;

// The service's answers the audit commands print (docs/audit.md); only the fields they use.

public sealed record VerifyView(bool Clean, long Streams, long Events, long CheckpointsChecked, long CheckpointsSealed,
    IReadOnlyList<FindingView> Findings);

public sealed record FindingView(string Kind, string? StreamId, long? Version, long? Seq, string Detail);

public sealed record ReplayView(bool Clean, long EventsReplayed, long Differences, IReadOnlyList<ReplayTableView> Tables);

public sealed record ReplayTableView(string Table, long LiveRows, long Differences, IReadOnlyList<RowDifferenceView> First);

public sealed record RowDifferenceView(string Table, string Kind, string? Key, IReadOnlyList<string> Columns, JsonElement? Live,
    JsonElement? Replayed);

public sealed record RebuildView(IReadOnlyList<string> Projections, long EventsReplayed, double Seconds);

public sealed record AsOfView(string GuestId, DateTimeOffset At, long Balance, long PendingPoints, string Tier, decimal WindowSpend,
    int TierWindowMonths, IReadOnlyList<LotView> OpenLots, int EventsReplayed, string? MergedFrom);

public sealed record LotView(string LotId, string RestaurantId, long Points, long Remaining, DateTimeOffset EarnedAt,
    DateOnly ExpiresOn);
