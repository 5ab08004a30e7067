using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// An upload for a dry run: the export, the restaurant it comes from, its preset and an optional mapping file. The
/// content is read twice (staged, then stored): a stream that cannot seek is first copied to a temporary file.
/// </summary>
public sealed record MigrationUpload(string RestaurantId, string Preset, string? FileName, Stream Content, string? Mapping);

/// <summary>How far a commit is: members (and groups of members, one guest each) committed of those accepted.</summary>
public sealed record MigrationProgress(int MembersTotal, int MembersDone, int GroupsDone, int Percent);

/// <summary>A migration as the API shows it: the dry run's report, the commit's progress and, once committed, its report.</summary>
public sealed record MigrationView(string MigrationId, string RestaurantId, string Preset, string? FileName, string Status,
    DateTimeOffset CreatedAt, string? SameFileAs, MigrationReport Report, MigrationProgress Progress,
    DateTimeOffset? CommitStartedAt, DateTimeOffset? CommittedAt, MigrationReport? Result, string? Error)
{
    public static MigrationView Of(MigrationRecord m) => new(m.MigrationId, m.RestaurantId, m.Preset, m.FileName, m.Status,
        m.CreatedAt, m.SameFileAs, m.Report,
        new MigrationProgress(m.MembersTotal, m.MembersDone, m.GroupsDone, m.MembersTotal == 0
            ? (m.Status == MigrationRecords.Committed ? 100 : 0)
            : (int)(100L * m.MembersDone / m.MembersTotal)),
        m.CommitAt, m.CommittedAt, m.Result, m.Error);
}
