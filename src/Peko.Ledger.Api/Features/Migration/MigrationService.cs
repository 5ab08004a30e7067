using System.Security.Cryptography;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Dry runs of a restaurant's member export: read it, match its members against each other and the ledger, decide
/// exactly as a commit would (same code, same ids), and record the report with the upload. Nothing reaches the ledger.
/// Usable without HTTP (a CLI): it takes the file's bytes and returns the view.
/// </summary>
public sealed class MigrationService(LedgerStore store, ChainDirectory chains, MigrationRecords records, TimeProvider time,
    ILogger<MigrationService> log)
{
    public const int DefaultBatchSize = 500;

    public async Task<MigrationView> DryRunAsync(string chainId, MigrationUpload upload, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var restaurant = chain.RestaurantOrThrow(upload.RestaurantId).Id;
        var mapping = ColumnPresets.Resolve(upload.Preset, upload.Mapping);
        var now = time.GetUtcNow();
        var migrationId = $"mig_{Guid.CreateVersion7():N}";
        var input = MigrationInput.Read(upload.Content, mapping, restaurant, chain, chain.LocalDate(now),
            await MigratedMembers.LoadAsync(store.DataSource, chainId, restaurant, ct));

        var batch = new MigrationBatch(store);
        var c = new MigrateMembers(migrationId, restaurant, chain, now);
        foreach (var groups in input.Batches(DefaultBatchSize, skip: 0))
            for (var attempt = 1; ; attempt++)
                try
                {
                    // Read under the guests' stream locks like a commit, then rolled back: nothing is written.
                    await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
                    foreach (var (group, result) in await batch.DecideAsync(work, [.. groups.SelectMany(g => g.Members)],
                                 input.Figures, c, appendAs: null, ct))
                        input.Tally.Group(group, result);
                    break;
                }
                catch (GuestMovedException) when (attempt < 5) { }

        var report = input.Tally.Report();
        var record = new MigrationRecord(migrationId, chainId, restaurant, mapping.Name, FileName(upload.FileName),
            MigrationRecords.DryRun, now, caller.KeyId, report, null, null, input.Members.Count, 0, 0, null, null, null, null);
        await records.CreateAsync(record, SHA256.HashData(upload.Content), upload.Content, upload.Mapping, ct);
        log.LogInformation("Migration {Migration} dry run for {Chain}/{Restaurant}: {Rows} rows, {Rejected} rejected, {Create} guests to create",
            migrationId, chainId, restaurant, report.RowsRead, report.RowsRejected, report.GuestsToCreate);
        return MigrationView.Of(await records.GetAsync(chainId, migrationId, ct) ?? record);
    }

    public async Task<MigrationView> GetAsync(string chainId, string migrationId, CancellationToken ct) =>
        MigrationView.Of(await records.GetAsync(chainId, migrationId, ct)
                         ?? throw new NotFoundException("migration-not-found", $"No migration {migrationId} in this chain."));

    static string? FileName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Path.GetFileName(name.Trim()) is { Length: <= 200 } n ? n : null;
}
