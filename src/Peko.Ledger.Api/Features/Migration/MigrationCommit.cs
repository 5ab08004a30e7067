using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Commits a migration in batches of whole guests, read back from its staged members. Each batch is one transaction:
/// its events, the members' migrated figures and the progress (groups done, results so far) commit together, so a
/// crash loses at most the open batch, and committing again resumes after the last batch done. Every event carries the
/// commit's fixed instant and a deterministic id, so the resumed commit writes what an uninterrupted one would; a
/// member already migrated with the same figures writes nothing, so a second commit, or a re-upload of the same file,
/// changes nothing.
/// </summary>
public sealed partial class MigrationCommit(LedgerStore store, ChainDirectory chains, MigrationRecords records, MemberStaging staging,
    TimeProvider time, ILogger<MigrationCommit> log)
{
    public int BatchSize { get; init; } = MigrationService.DefaultBatchSize;

    /// <summary>Called after each committed batch with the groups done so far (for a progress bar, and for tests).</summary>
    public Action<MigrationProgress>? AfterBatch { get; init; }

    /// <summary>Marks the migration committing (refusing a superseded one); null when it is committed already.</summary>
    public async Task<MigrationView?> StartAsync(string chainId, string migrationId, Caller caller, CancellationToken ct)
    {
        var record = await records.GetAsync(chainId, migrationId, ct)
                     ?? throw new NotFoundException("migration-not-found", $"No migration {migrationId} in this chain.");
        if (record.Status == MigrationRecords.Committed) return null;
        await records.StartCommitAsync(chainId, migrationId, time.GetUtcNow(), caller.KeyId, ct);
        return MigrationView.Of((await records.GetAsync(chainId, migrationId, ct))!);
    }

    /// <summary>Starts (or resumes) the commit and runs it in the calling task, once no other commit of the restaurant runs.</summary>
    public async Task<MigrationView> RunAsync(string chainId, string migrationId, Caller caller, CancellationToken ct)
    {
        if (await StartAsync(chainId, migrationId, caller, ct) is null)
            return MigrationView.Of((await records.GetAsync(chainId, migrationId, ct))!);
        var restaurant = (await records.GetAsync(chainId, migrationId, ct))!.RestaurantId;
        await using var held = await RestaurantCommitLock.TakeAsync(store.DataSource, chainId, restaurant, ct);
        var record = (await records.GetAsync(chainId, migrationId, ct))!; // as the previous holder of the lock left it
        return record.Status == MigrationRecords.Committed ? MigrationView.Of(record) : await CommitAsync(record, caller.KeyId, ct);
    }

    /// <summary>
    /// Resumes a commit that is "committing" while nobody commits its restaurant: one a stopped process left. Null when
    /// there is nothing to resume (committed meanwhile, or a commit of the restaurant holds the lock: still running).
    /// </summary>
    public async Task<MigrationView?> ResumeAsync(string chainId, string migrationId, CancellationToken ct)
    {
        if (await records.GetAsync(chainId, migrationId, ct) is not { Status: MigrationRecords.Committing } found) return null;
        await using var held = await RestaurantCommitLock.TryTakeAsync(store.DataSource, chainId, found.RestaurantId, ct);
        if (held is null) return null;
        // Read again under the lock: another instance may have finished it between the two reads.
        if (await records.GetAsync(chainId, migrationId, ct) is not { Status: MigrationRecords.Committing } record) return null;
        log.LogInformation("Migration {Migration} was left committing ({Groups} groups done): resuming it", migrationId, record.GroupsDone);
        return await CommitAsync(record, record.CommitBy ?? record.CreatedBy, ct);
    }

    async Task<MigrationView> CommitAsync(MigrationRecord record, string actor, CancellationToken ct)
    {
        try { return await CommitBatchesAsync(record, actor, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Migration {Migration} commit failed; committing again resumes it", record.MigrationId);
            await records.FailAsync(record.MigrationId, e.GetType().Name, CancellationToken.None);
            throw;
        }
    }

    async Task<MigrationView> CommitBatchesAsync(MigrationRecord record, string actor, CancellationToken ct)
    {
        var chain = await chains.GetAsync(record.ChainId, ct);
        var c = new MigrateMembers(record.MigrationId, record.RestaurantId, chain, record.CommitAt!.Value);
        var today = chain.LocalDate(c.At);
        var file = record.StagedOn == today && record.Staged is { } staged ? staged : await RestageAsync(record, chain, today, ct);
        var tally = MigrationTally.Of(record.RestaurantId, file);
        tally.MigratedBeforeButNotInFile(
            await staging.MigratedBeforeButNotInFileAsync(record.ChainId, record.RestaurantId, record.MigrationId, ct));
        if (record.Results is { } earlier) tally.Resume(earlier);
        var progress = new Progress(record.GroupsDone, record.MembersDone);
        var batch = new MigrationBatch(store);
        var groups = new StagedGroups(store.DataSource, record.MigrationId);
        await using var batches = groups.BatchesAsync(BatchSize, await groups.AfterGroupsAsync(progress.Groups, ct), ct)
            .GetAsyncEnumerator(ct);
        var retried = 0;

        // Two batches at a time, on two connections: the next one starts once this one holds its locks (from then on it
        // waits for no one), so one is written while the other is read and decided, and both cores work. They commit
        // in order: a batch's progress moves only after the one before it committed. Any failure rolls back both, and
        // a lost race (a guest changed or merged meanwhile) is tried again from the first uncommitted batch.
        MemberBatch? current = await batches.MoveNextAsync() ? batches.Current : null;
        MemberBatch? following = null;
        (Task<PreparedBatch> Batch, Task Locked)? ahead = null;
        while (current is not null)
        {
            var (first, firstLocked) = ahead ?? Prepare(batch, current, c, actor, record, ct);
            ahead = null;
            (Task<PreparedBatch> Batch, Task Locked)? second = null;
            try
            {
                await Task.WhenAny(firstLocked, first);
                following ??= await batches.MoveNextAsync() ? batches.Current : null;
                if (following is not null && !first.IsFaulted) second = Prepare(batch, following, c, actor, record, ct);
                await using (var prepared = await first) await FinishAsync(prepared, record, tally, progress, file, ct);
            }
            catch (Exception e) when (e is WrongExpectedVersionException or GuestMovedException
                                          or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && ++retried < 5)
            {
                await AbandonAsync(second?.Batch);
                continue; // this batch again, then the next
            }
            catch
            {
                await AbandonAsync(second?.Batch);
                throw;
            }
            (current, following, ahead, retried) = (following, null, second, 0);
        }

        var report = tally.Report();
        report = report with { Points = report.Points with { InLedger = await IssuedInLedgerAsync(record, ct) } };
        await records.FinishAsync(record.MigrationId, report, time.GetUtcNow(), ct);
        log.LogInformation("Migration {Migration} committed: {Opened} opened, {Adjusted} adjusted, {Unchanged} unchanged",
            record.MigrationId, report.Members.Opened, report.Members.Adjusted, report.Members.Unchanged);
        return MigrationView.Of((await records.GetAsync(record.ChainId, record.MigrationId, ct))!);
    }

    /// <summary>
    /// Reads the stored upload again when its members were staged as of another day than the commit's (rows are checked
    /// against the day: points that expired meanwhile are refused), or never staged (uploads older than staging).
    /// Parsing is deterministic, so a commit resumed after this finds the same groups in the same order.
    /// </summary>
    async Task<FileFigures> RestageAsync(MigrationRecord record, Chain chain, DateOnly today, CancellationToken ct)
    {
        await records.SetStagedAsync(record.MigrationId, null, null, ct); // a restage cut short is done again
        await staging.DeleteAsync(record.MigrationId, ct);
        await using var copy = SeekableUpload.TemporaryFile();
        var mapping = await records.UploadAsync(record.MigrationId, copy, ct);
        copy.Position = 0;
        var file = await staging.StageAsync(record.MigrationId, copy, ColumnPresets.Resolve(record.Preset.Split('+')[0], mapping),
            record.RestaurantId, chain, today, ct);
        await records.SetStagedAsync(record.MigrationId, today, file, ct);
        log.LogInformation("Migration {Migration}: upload read again as of {Today} for its commit", record.MigrationId,
            today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        return file;
    }

    /// <summary>
    /// The restaurant's points the ledger's own events say migrations issued: opening balances plus the adjustments of
    /// later exports. Measured, not derived from the file, so the report can show before == after from both sides.
    /// </summary>
    async Task<long> IssuedInLedgerAsync(MigrationRecord record, CancellationToken ct)
    {
        await using var query = store.DataSource.CreateCommand("""
            select coalesce(sum((data->>'points')::bigint), 0)::bigint from ledger.events
            where chain_id = $1 and stream_id like 'points-%' and data->>'restaurantId' = $2
              and (type = 'opening-balance-migrated' or (type = 'points-adjusted' and data->>'adjustmentId' like 'adj\_mig\_%'))
            """);
        query.Parameters.AddWithValue(record.ChainId);
        query.Parameters.AddWithValue(record.RestaurantId);
        return (long)(await query.ExecuteScalarAsync(ct))!;
    }
}
