using Npgsql;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Jobs;

public sealed record SchedulerOptions
{
    public bool Enabled { get; init; } = true;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a claimed run is ours; a run whose instance died is taken over after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// The durable scheduler: each chain's nightly expiry, tier recompute and log sealing (verify, then seal), due at the schedule's local time (03:00 by
/// default) in the chain's time zone, held in
/// <c>ledger.job_schedules</c>. An instance claims a due job with a lease (<c>for update skip locked</c>), so several
/// instances side by side run it once; a run whose instance died is taken over when its lease ends, and because the
/// jobs only do what is still to do, finishing it twice writes nothing twice. After downtime, a due job runs once as
/// of today, which does what each missed night would have done.
/// </summary>
public sealed class JobScheduler(NpgsqlDataSource dataSource, JobRuns runs, ChainDirectory chains, SchedulerOptions options,
    TimeProvider time, ILogger<JobScheduler> log) : BackgroundService
{
    static readonly string[] Nightly = [JobRuns.ExpirePoints, JobRuns.RecomputeTiers, JobRuns.SealLog];
    static readonly TimeOnly NightlyAt = new(3, 0);
    readonly string _instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundWork.Run(() => RunDueForeverAsync(stoppingToken), CancellationToken.None);

    async Task RunDueForeverAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await RunDueAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Scheduler pass failed"); }
            try { await Task.Delay(options.PollInterval, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Makes sure every chain has its schedules, then runs every due job this instance can claim.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        await ScheduleNewChainsAsync(ct);
        var ran = 0;
        while (await ClaimAsync(ct) is { } due)
        {
            var (chainId, job, at) = due;
            try
            {
                await runs.RunAsync(chainId, job, asOf: null, "schedule", ct);
                var chain = await chains.GetAsync(chainId, ct);
                await ReleaseAsync(chainId, job, NextRun(chain.TimeZone, at, time.GetUtcNow()), ct);
                ran++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Scheduled {Job} for {Chain} failed; retrying in 5 minutes", job, chainId);
                await ReleaseAsync(chainId, job, time.GetUtcNow().AddMinutes(5), CancellationToken.None);
            }
        }
        return ran;
    }

    /// <summary>
    /// A chain without its schedules gets them, each first due at the next 03:00 in the chain's time zone: a chain
    /// created (or a restaurant's programme migrated) in the afternoon has its first nightly run that night, not at once.
    /// </summary>
    async Task ScheduleNewChainsAsync(CancellationToken ct)
    {
        var missing = new List<(string ChainId, string Job)>();
        await using (var find = dataSource.CreateCommand("""
            select c.chain_id, j.job from ledger.chains c cross join unnest($1::text[]) as j(job)
            where not exists (select 1 from ledger.job_schedules s where s.chain_id = c.chain_id and s.job = j.job)
            """))
        {
            find.Parameters.AddWithValue(Nightly);
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) missing.Add((reader.GetString(0), reader.GetString(1)));
        }
        foreach (var (chainId, job) in missing)
        {
            var chain = await chains.GetAsync(chainId, ct);
            await ExecuteAsync("""
                insert into ledger.job_schedules (chain_id, job, local_time, next_due_at) values ($1, $2, $3, $4)
                on conflict do nothing
                """, ct, chainId, job, NightlyAt, NextRun(chain.TimeZone, NightlyAt, time.GetUtcNow()));
        }
    }

    /// <summary>The next <paramref name="at"/> local time strictly after <paramref name="now"/>, as a UTC instant.</summary>
    public static DateTimeOffset NextRun(TimeZoneInfo zone, TimeOnly at, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        for (var day = DateOnly.FromDateTime(local.DateTime); ; day = day.AddDays(1))
        {
            var candidate = day.ToDateTime(at);
            if (zone.IsInvalidTime(candidate)) candidate = candidate.AddHours(1); // skipped by a DST change
            var instant = new DateTimeOffset(candidate, zone.GetUtcOffset(candidate));
            if (instant > now) return instant.ToUniversalTime();
        }
    }

    async Task<(string ChainId, string Job, TimeOnly LocalTime)?> ClaimAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var claim = dataSource.CreateCommand("""
            update ledger.job_schedules s set lease_owner = $1, lease_until = $3
            from (select chain_id, job from ledger.job_schedules
                  where next_due_at <= $2 and (lease_until is null or lease_until < $2)
                  order by next_due_at, chain_id, job limit 1 for update skip locked) due
            where s.chain_id = due.chain_id and s.job = due.job
            returning s.chain_id, s.job, s.local_time
            """);
        foreach (var p in new object[] { _instance, now, now + options.Lease }) claim.Parameters.AddWithValue(p);
        await using var reader = await claim.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<TimeOnly>(2)) : null;
    }

    Task ReleaseAsync(string chainId, string job, DateTimeOffset nextDue, CancellationToken ct) => ExecuteAsync("""
        update ledger.job_schedules set next_due_at = $3, lease_owner = null, lease_until = null
        where chain_id = $1 and job = $2 and lease_owner = $4
        """, ct, chainId, job, nextDue, _instance);

    async Task ExecuteAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync(ct);
    }
}
