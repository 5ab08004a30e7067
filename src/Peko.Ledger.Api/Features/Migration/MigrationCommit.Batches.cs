using System.Text.Json;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>A commit's batches: each prepared in its own transaction, then counted and committed in order.</summary>
public sealed partial class MigrationCommit
{
    sealed class Progress(int groups, int members)
    {
        public int Groups { get; set; } = groups;
        public int Members { get; set; } = members;
    }

    sealed record PreparedBatch(UnitOfWork Work, MemberBatch Batch, List<(GuestGroup Group, GroupResult Result)> Results) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Work.DisposeAsync();
    }

    /// <summary>A batch's transaction up to its commit: locks, decisions, events, migrated figures; and when its locks are held.</summary>
    (Task<PreparedBatch> Batch, Task Locked) Prepare(MigrationBatch batch, MemberBatch next, MigrateMembers c, string actor,
        MigrationRecord record, CancellationToken ct)
    {
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Run(), locked.Task);

        async Task<PreparedBatch> Run()
        {
            var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
            try
            {
                var results = await batch.DecideAsync(work, next.Members, c, actor, ct, locked: () => locked.TrySetResult());
                await MigratedMembers.SaveAsync(work, record.ChainId, record.RestaurantId, record.MigrationId,
                    [.. results.SelectMany(r => r.Result.Members)], ct);
                return new PreparedBatch(work, next, results);
            }
            catch
            {
                locked.TrySetResult();
                await work.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Counts a prepared batch, moves the progress past it and commits; the counts are undone if that fails.</summary>
    async Task FinishAsync(PreparedBatch prepared, MigrationRecord record, MigrationTally tally, Progress progress, FileFigures file,
        CancellationToken ct)
    {
        var json = store.Types.SerializerOptions;
        var before = JsonSerializer.Serialize(tally.Results, json);
        try
        {
            foreach (var (group, result) in prepared.Results) tally.Group(group, result);
            if (!await records.SaveProgressAsync(prepared.Work, record.MigrationId, progress.Groups, progress.Groups + prepared.Batch.Groups,
                    progress.Members + prepared.Batch.Members.Count, tally.Results, ct))
                throw new InvalidOperationException("Another commit moved this migration's progress.");
            await prepared.Work.CommitAsync(ct);
        }
        catch
        {
            tally.Resume(JsonSerializer.Deserialize<MigrationResults>(before, json)!);
            throw;
        }
        (progress.Groups, progress.Members) = (progress.Groups + prepared.Batch.Groups, progress.Members + prepared.Batch.Members.Count);
        AfterBatch?.Invoke(new MigrationProgress(file.MembersAccepted, progress.Members, progress.Groups,
            file.MembersAccepted == 0 ? 100 : (int)(100L * progress.Members / file.MembersAccepted)));
    }

    /// <summary>Rolls back a batch prepared beside the one that failed (waiting for it first: it may be mid-statement).</summary>
    static async Task AbandonAsync(Task<PreparedBatch>? prepared)
    {
        if (prepared is null) return;
        try { await (await prepared).DisposeAsync(); }
        catch (Exception) { /* its own failure: it rolled itself back */ }
    }
}
