using System.Collections.Concurrent;
using Npgsql;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Guests;

/// <summary>
/// Each chain's spend percentile thresholds (<c>ledger.spend_thresholds</c>, schema 013): threshold k (1..100) is the
/// tier-window spend at the k-th percentile of the chain's members, so a guest's <c>spendPercentile</c> is the number
/// of thresholds below its spend: exactly the share of members spending less, as of when they were computed. A lookup
/// reads them instead of counting every member. They are computed on a chain's first lookup, again by the nightly tier
/// job, and in the background (never in a till's request) when a lookup finds them older than <see cref="MaxAge"/>.
/// </summary>
public sealed class SpendThresholds(NpgsqlDataSource dataSource, TimeProvider time, ILogger<SpendThresholds> logger)
{
    /// <summary>Thresholds older than this are recomputed after the lookup that found them.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);

    readonly ConcurrentDictionary<string, Task> _refreshing = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Lazy<Task<decimal[]>>> _first = new(StringComparer.Ordinal);

    /// <summary>The guest's percentile: how many of the thresholds are below its spend (0 to 100).</summary>
    public static int PercentileOf(decimal windowSpend, IReadOnlyList<decimal> thresholds) =>
        thresholds.Count(t => t < windowSpend);

    /// <summary>Computes and stores the chain's thresholds from its memberships now; returns them.</summary>
    public static async Task<decimal[]> RefreshAsync(NpgsqlDataSource dataSource, string chainId, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            insert into ledger.spend_thresholds (chain_id, thresholds, members, computed_at)
            select $1, coalesce(percentile_disc(array(select k / 100.0 from generate_series(1, 100) k))
                                    within group (order by window_spend), '{}'), count(*), $2
            from ledger.memberships where chain_id = $1
            on conflict (chain_id) do update
            set thresholds = excluded.thresholds, members = excluded.members, computed_at = excluded.computed_at
            returning thresholds
            """);
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(now.ToUniversalTime());
        return (decimal[])(await command.ExecuteScalarAsync(ct))!;
    }

    public Task<decimal[]> RefreshAsync(string chainId, CancellationToken ct) =>
        RefreshAsync(dataSource, chainId, time.GetUtcNow(), ct);

    /// <summary>
    /// The thresholds of a chain that has none yet, computed once however many tills look up at the same moment (each
    /// waits for the same computation, on its own connection).
    /// </summary>
    public async Task<decimal[]> FirstAsync(string chainId, CancellationToken ct)
    {
        var first = _first.GetOrAdd(chainId, id => new Lazy<Task<decimal[]>>(() => RefreshAsync(id, CancellationToken.None)));
        try
        {
            return await first.Value.WaitAsync(ct);
        }
        finally
        {
            if (first.Value.IsCompleted) _first.TryRemove(new KeyValuePair<string, Lazy<Task<decimal[]>>>(chainId, first));
        }
    }

    /// <summary>Recomputes them in the background when they are stale; one refresh per chain at a time.</summary>
    public void RefreshIfStale(string chainId, DateTimeOffset computedAt)
    {
        if (time.GetUtcNow() - computedAt < MaxAge) return;
        var done = new TaskCompletionSource();
        if (!_refreshing.TryAdd(chainId, done.Task)) return;
        _ = BackgroundWork.Run(async () =>
        {
            try
            {
                await RefreshAsync(chainId, CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Could not recompute the spend thresholds of chain {ChainId}", chainId);
            }
            finally
            {
                _refreshing.TryRemove(chainId, out _);
                done.SetResult();
            }
        });
    }
}
