using System.Collections.Concurrent;
using System.Threading.Channels;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

public sealed record MigrationCommitterOptions
{
    /// <summary>
    /// How often to look for commits left "committing" by a stopped process, after the look at start-up; zero: only at
    /// start-up. (A commit whose process died mid-way is then resumed by whichever instance looks first.)
    /// </summary>
    public TimeSpan ResumeEvery { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Runs commits in the background, one at a time (a commit is long and the database is shared with the counters), so
/// the request that asks for one returns at once and <c>GET …/migrations/{id}</c> shows its progress. At start-up, and
/// then every <see cref="MigrationCommitterOptions.ResumeEvery"/>, it also resumes the commits a stopped process left
/// "committing": <see cref="MigrationCommit.ResumeAsync"/> takes only those whose restaurant's commit lock is free,
/// so with several instances each such commit is resumed by one of them, and a running one by none.
/// </summary>
public sealed class MigrationCommitter(MigrationCommit commit, MigrationRecords records, MigrationCommitterOptions options,
    ILogger<MigrationCommitter> log) : BackgroundService
{
    /// <summary>A commit to run for <see cref="Caller"/>, or (no caller) one to resume if nobody is committing it.</summary>
    sealed record Work(string ChainId, string MigrationId, Caller? Caller);

    readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    readonly ConcurrentDictionary<string, bool> _resumesQueued = new(StringComparer.Ordinal);

    public void Enqueue(string chainId, string migrationId, Caller caller) => _queue.Writer.TryWrite(new Work(chainId, migrationId, caller));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundWork.Run(() => CommitQueuedAsync(stoppingToken), CancellationToken.None);

    async Task CommitQueuedAsync(CancellationToken stoppingToken)
    {
        var looking = LookForStoppedCommitsAsync(stoppingToken);
        await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (work.Caller is { } caller) await commit.RunAsync(work.ChainId, work.MigrationId, caller, stoppingToken);
                else await commit.ResumeAsync(work.ChainId, work.MigrationId, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { log.LogError(e, "Migration {Migration} commit stopped", work.MigrationId); }
            finally
            {
                if (work.Caller is null) _resumesQueued.TryRemove(work.MigrationId, out _);
            }
        }
        await looking;
    }

    async Task LookForStoppedCommitsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                foreach (var (chainId, migrationId) in await records.CommittingAsync(ct))
                    if (_resumesQueued.TryAdd(migrationId, true)) _queue.Writer.TryWrite(new Work(chainId, migrationId, null));
            }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Looking for stopped migration commits failed"); }
            if (options.ResumeEvery <= TimeSpan.Zero) return;
            try { await Task.Delay(options.ResumeEvery, ct); }
            catch (OperationCanceledException) { return; }
        }
    }
}
