using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Commits a migration in batches of whole guests. Each batch is one transaction: its events, the members' migrated
/// figures and the progress (groups done, results so far) commit together, so a crash loses at most the open batch,
/// and committing again resumes after the last batch done. Every event carries the commit's fixed instant and a
/// deterministic id, so the resumed commit writes what an uninterrupted one would; a member already migrated with
/// the same figures writes nothing, so a second commit, or a re-upload of the same file, changes nothing.
/// </summary>
public sealed class MigrationCommit(LedgerStore store, ChainDirectory chains, MigrationRecords records, TimeProvider time,
    ILogger<MigrationCommit> log)
{
    public int BatchSize { get; init; } = MigrationService.DefaultBatchSize;

    /// <summary>Called after each committed batch with the groups done so far (for a progress bar, and for tests).</summary>
    public Action<MigrationProgress>? AfterBatch { get; init; }

    /// <summary>Marks the migration committing (refusing a superseded one); null when it is committed already.</summary>
    public async Task<MigrationView?> StartAsync(string chainId, string migrationId, CancellationToken ct)
    {
        var record = await records.GetAsync(chainId, migrationId, ct)
                     ?? throw new NotFoundException("migration-not-found", $"No migration {migrationId} in this chain.");
        if (record.Status == MigrationRecords.Committed) return null;
        await records.StartCommitAsync(chainId, migrationId, time.GetUtcNow(), ct);
        return MigrationView.Of((await records.GetAsync(chainId, migrationId, ct))!);
    }

    public async Task<MigrationView> RunAsync(string chainId, string migrationId, Caller caller, CancellationToken ct)
    {
        if (await StartAsync(chainId, migrationId, ct) is null)
            return MigrationView.Of((await records.GetAsync(chainId, migrationId, ct))!);
        var record = (await records.GetAsync(chainId, migrationId, ct))!;
        // One commit per restaurant at a time: the migrated figures each batch compares with are then stable.
        await using var held = await store.DataSource.OpenConnectionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_lock(hashtextextended($1, 2))", held)
                     { Parameters = { new() { Value = $"migration:{chainId}:{record.RestaurantId}" } } })
            await lockCommand.ExecuteNonQueryAsync(ct);
        try
        {
            record = (await records.GetAsync(chainId, migrationId, ct))!; // as the previous holder of the lock left it
            if (record.Status == MigrationRecords.Committed) return MigrationView.Of(record);
            return await CommitAsync(record, caller, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Migration {Migration} commit failed; committing again resumes it", migrationId);
            await records.FailAsync(migrationId, e.GetType().Name, CancellationToken.None);
            throw;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock_all()", held);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    async Task<MigrationView> CommitAsync(MigrationRecord record, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(record.ChainId, ct);
        var (content, mapping) = await records.UploadAsync(record.MigrationId, ct);
        var c = new MigrateMembers(record.MigrationId, record.RestaurantId, chain, record.CommitAt!.Value);
        var input = MigrationInput.Read(content, ColumnPresets.Resolve(record.Preset.Split('+')[0], mapping), record.RestaurantId,
            chain, chain.LocalDate(c.At), await MigratedMembers.LoadAsync(store.DataSource, record.ChainId, record.RestaurantId, ct));
        if (record.Results is { } earlier) input.Tally.Resume(earlier);
        var (groupsDone, membersDone) = (record.GroupsDone, record.MembersDone);
        var batch = new MigrationBatch(store);
        var json = store.Types.SerializerOptions;

        foreach (var groups in input.Batches(BatchSize, skip: groupsDone))
        {
            var members = groups.SelectMany(g => g.Members).ToList();
            for (var attempt = 1; ; attempt++)
            {
                var before = JsonSerializer.Serialize(input.Tally.Results, json);
                try
                {
                    await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
                    var results = await batch.DecideAsync(work, members, input.Figures, c, caller.KeyId, ct);
                    foreach (var (group, result) in results) input.Tally.Group(group, result);
                    await MigratedMembers.SaveAsync(work, record.ChainId, record.RestaurantId, record.MigrationId,
                        [.. results.SelectMany(r => r.Result.Members)], ct);
                    if (!await records.SaveProgressAsync(work, record.MigrationId, groupsDone, groupsDone + groups.Length,
                            membersDone + members.Count, input.Tally.Results, ct))
                        throw new InvalidOperationException("Another commit moved this migration's progress.");
                    await work.CommitAsync(ct);
                    break;
                }
                catch (Exception e) when (attempt < 5 && e is WrongExpectedVersionException or GuestMovedException
                                              or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
                {
                    input.Tally.Resume(JsonSerializer.Deserialize<MigrationResults>(before, json)!);
                }
            }
            (groupsDone, membersDone) = (groupsDone + groups.Length, membersDone + members.Count);
            AfterBatch?.Invoke(new MigrationProgress(input.Members.Count, membersDone, groupsDone,
                input.Members.Count == 0 ? 100 : (int)(100L * membersDone / input.Members.Count)));
        }

        var report = input.Tally.Report();
        report = report with { Points = report.Points with { InLedger = await IssuedInLedgerAsync(record, ct) } };
        await records.FinishAsync(record.MigrationId, report, time.GetUtcNow(), ct);
        log.LogInformation("Migration {Migration} committed: {Opened} opened, {Adjusted} adjusted, {Unchanged} unchanged",
            record.MigrationId, report.Members.Opened, report.Members.Adjusted, report.Members.Unchanged);
        return MigrationView.Of((await records.GetAsync(record.ChainId, record.MigrationId, ct))!);
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
