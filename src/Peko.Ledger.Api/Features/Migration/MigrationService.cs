using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Dry runs of a restaurant's member export: read it, match its members against each other and the ledger, decide
/// exactly as a commit would (same code, same ids), and record the report with the upload. Nothing reaches the ledger.
/// The file is read as a stream and its members staged in the database (<see cref="MemberStaging"/>), then worked
/// through a batch at a time, so memory stays flat whatever the file's size. Usable without HTTP (a CLI).
/// </summary>
public sealed class MigrationService(LedgerStore store, ChainDirectory chains, MigrationRecords records, MemberStaging staging,
    TimeProvider time, ILogger<MigrationService> log)
{
    public const int DefaultBatchSize = 500;

    public async Task<MigrationView> DryRunAsync(string chainId, MigrationUpload upload, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var restaurant = chain.RestaurantOrThrow(upload.RestaurantId).Id;
        var mapping = ColumnPresets.Resolve(upload.Preset, upload.Mapping);
        var now = time.GetUtcNow();
        var today = chain.LocalDate(now);
        var migrationId = $"mig_{Guid.CreateVersion7():N}";
        await using var content = await SeekableUpload.OfAsync(upload.Content, ct);
        try
        {
            var file = await staging.StageAsync(migrationId, content.Rewind(), mapping, restaurant, chain, today, ct);
            var tally = MigrationTally.Of(restaurant, file);
            tally.MigratedBeforeButNotInFile(await staging.MigratedBeforeButNotInFileAsync(chainId, restaurant, migrationId, ct));
            var c = new MigrateMembers(migrationId, restaurant, chain, now);
            var batch = new MigrationBatch(store);
            await foreach (var members in new StagedGroups(store.DataSource, migrationId).BatchesAsync(DefaultBatchSize, 0, ct))
                for (var attempt = 1; ; attempt++)
                    try
                    {
                        // Read under the guests' stream locks like a commit, then rolled back: nothing is written.
                        await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
                        foreach (var (group, result) in await batch.DecideAsync(work, members.Members, c, appendAs: null, ct))
                            tally.Group(group, result);
                        break;
                    }
                    catch (GuestMovedException) when (attempt < 5) { }

            var report = tally.Report();
            var record = new MigrationRecord(migrationId, chainId, restaurant, mapping.Name, FileName(upload.FileName),
                MigrationRecords.DryRun, now, caller.KeyId, report, null, null, file.MembersAccepted, 0, 0, null, null, null, null,
                StagedOn: today, Staged: file);
            await records.CreateAsync(record, content.Rewind(), upload.Mapping, ct);
            log.LogInformation("Migration {Migration} dry run for {Chain}/{Restaurant}: {Rows} rows, {Rejected} rejected, {Create} guests to create",
                migrationId, chainId, restaurant, report.RowsRead, report.RowsRejected, report.GuestsToCreate);
            return MigrationView.Of(await records.GetAsync(chainId, migrationId, ct) ?? record);
        }
        catch
        {
            await staging.DeleteAsync(migrationId, CancellationToken.None);
            throw;
        }
    }

    public async Task<MigrationView> GetAsync(string chainId, string migrationId, CancellationToken ct) =>
        MigrationView.Of(await records.GetAsync(chainId, migrationId, ct)
                         ?? throw new NotFoundException("migration-not-found", $"No migration {migrationId} in this chain."));

    static string? FileName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Path.GetFileName(name.Trim()) is { Length: <= 200 } n ? n : null;
}
