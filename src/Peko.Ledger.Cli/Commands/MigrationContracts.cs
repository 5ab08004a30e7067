using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Cli.Commands;

/// <summary>A migration as <c>GET /v1/chains/{chainId}/migrations/{id}</c> shows it (the service's MigrationView).</summary>
public sealed record MigrationView(string MigrationId, string RestaurantId, string Preset, string? FileName, string Status,
    DateTimeOffset CreatedAt, string? SameFileAs, MigrationReport Report, MigrationProgress Progress,
    DateTimeOffset? CommitStartedAt, DateTimeOffset? CommittedAt, MigrationReport? Result, string? Error);

public sealed record MigrationProgress(int MembersTotal, int MembersDone, int GroupsDone, int Percent);
