using System.Threading.Channels;
using Peko.Ledger.Api.Features.Auth;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Runs commits in the background, one at a time (a commit is long and the database is shared with the counters), so
/// the request that asks for one returns at once and <c>GET …/migrations/{id}</c> shows its progress. A commit cut short
/// by a shutdown or a crash stays "committing" (or "failed"); asking to commit again resumes it.
/// </summary>
public sealed class MigrationCommitter(MigrationCommit commit, ILogger<MigrationCommitter> log) : BackgroundService
{
    readonly Channel<(string ChainId, string MigrationId, Caller Caller)> _queue =
        Channel.CreateUnbounded<(string, string, Caller)>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string chainId, string migrationId, Caller caller) => _queue.Writer.TryWrite((chainId, migrationId, caller));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (chainId, migrationId, caller) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try { await commit.RunAsync(chainId, migrationId, caller, stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { log.LogError(e, "Migration {Migration} commit stopped", migrationId); }
        }
    }
}
