using Npgsql;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Api.Features.Jobs;

public sealed record JobRun(string RunId, string Job, DateOnly AsOf, string Trigger, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, string Status, long Guests, long EventsWritten, string? Error);

/// <summary>Runs a chain's job and records the run (started, finished, counts, error) in <c>ledger.job_runs</c>.</summary>
public sealed class JobRuns(NpgsqlDataSource dataSource, LedgerJobs jobs, LedgerVerifier verifier, ChainDirectory chains,
    TimeProvider time, ILogger<JobRuns> log)
{
    public const string ExpirePoints = "expire-points";
    public const string RecomputeTiers = "recompute-tiers";
    /// <summary>Verifies the chain's log and, when it is clean, seals its new checkpoints (docs/audit.md).</summary>
    public const string SealLog = "seal-log";

    public async Task<JobRun> RunAsync(string chainId, string job, DateOnly? asOf, string trigger, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var today = chain.LocalDate(time.GetUtcNow());
        var date = asOf ?? today;
        if (date > today) throw new InvalidInput("asOf", $"asOf cannot be after today ({today:yyyy-MM-dd} in {chain.TimeZone.Id}).");
        var runId = $"run_{Guid.CreateVersion7():N}";
        var started = time.GetUtcNow();
        await ExecuteAsync("""
            insert into ledger.job_runs (run_id, chain_id, job, as_of, trigger, started_at, status)
            values ($1, $2, $3, $4, $5, $6, 'running')
            """, ct, runId, chainId, job, date, trigger, started);
        try
        {
            var counts = job switch
            {
                ExpirePoints => await jobs.ExpirePointsAsync(chain, date, ct),
                RecomputeTiers => await RecomputeTiersAsync(chain, date, ct),
                SealLog => await SealAsync(chainId, ct),
                _ => throw new ArgumentOutOfRangeException(nameof(job), job, "Unknown job."),
            };
            var finished = time.GetUtcNow();
            await ExecuteAsync("""
                update ledger.job_runs set finished_at = $2, status = 'succeeded', guests = $3, events_written = $4
                where run_id = $1
                """, ct, runId, finished, counts.Guests, counts.EventsWritten);
            log.LogInformation("Job {Job} for {Chain} as of {AsOf}: {Guests} guests, {Events} events", job, chainId,
                date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), counts.Guests, counts.EventsWritten);
            return new JobRun(runId, job, date, trigger, started, finished, "succeeded", counts.Guests, counts.EventsWritten, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Job {Job} for {Chain} as of {AsOf} failed", job, chainId,
                date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            await ExecuteAsync("update ledger.job_runs set finished_at = $2, status = 'failed', error = $3 where run_id = $1",
                CancellationToken.None, runId, time.GetUtcNow(), e.GetType().Name);
            throw;
        }
    }

    /// <summary>The night's tiers, then the lookup's spend percentiles from the night's spend (SpendThresholds).</summary>
    async Task<JobCounts> RecomputeTiersAsync(Domain.Chains.Chain chain, DateOnly date, CancellationToken ct)
    {
        var counts = await jobs.RecomputeTiersAsync(chain, date, ct);
        await Guests.SpendThresholds.RefreshAsync(dataSource, chain.Id, time.GetUtcNow(), ct);
        return counts;
    }

    /// <summary>Counts: the streams verified, the checkpoints sealed. A finding fails the run and seals nothing.</summary>
    async Task<JobCounts> SealAsync(string chainId, CancellationToken ct)
    {
        var report = await verifier.VerifyAsync(chainId, seal: true, ct);
        if (!report.Clean)
        {
            log.LogError("Verify found {Findings} events of {Chain} changed behind the ledger ({Kinds}); nothing sealed",
                report.Findings.Count, chainId, string.Join(", ", report.Findings.Select(f => f.Kind).Distinct()));
            throw new TamperFoundException(report.Findings.Count);
        }
        return new JobCounts(report.Streams, report.CheckpointsSealed);
    }

    public async Task<IReadOnlyList<JobRun>> ListAsync(string chainId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select run_id, job, as_of, trigger, started_at, finished_at, status, guests, events_written, error
            from ledger.job_runs where chain_id = $1 order by started_at desc, run_id desc limit $2
            """);
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(limit);
        await using var r = await command.ExecuteReaderAsync(ct);
        var runs = new List<JobRun>();
        while (await r.ReadAsync(ct))
            runs.Add(new JobRun(r.GetString(0), r.GetString(1), r.GetFieldValue<DateOnly>(2), r.GetString(3),
                r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.GetString(6),
                r.GetInt64(7), r.GetInt64(8), r.IsDBNull(9) ? null : r.GetString(9)));
        return runs;
    }

    async Task ExecuteAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The nightly verify found events changed behind the ledger: the run fails (its error names this), nothing is sealed.</summary>
public sealed class TamperFoundException(int findings)
    : Exception($"Verify found {findings} events changed behind the ledger; see GET …/audit/verify.");
