using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>A migration as recorded: its upload's facts, the dry run's report, and the commit's progress and result.</summary>
public sealed record MigrationRecord(string MigrationId, string ChainId, string RestaurantId, string Preset, string? FileName,
    string Status, DateTimeOffset CreatedAt, string CreatedBy, MigrationReport Report, DateTimeOffset? CommitAt,
    DateTimeOffset? CommittedAt, int MembersTotal, int GroupsDone, int MembersDone, MigrationResults? Results,
    MigrationReport? Result, string? Error, string? SameFileAs);

/// <summary>The rows of <c>ledger.migrations</c> and <c>ledger.migration_uploads</c>.</summary>
public sealed class MigrationRecords(NpgsqlDataSource dataSource, EventTypeRegistry types)
{
    public const string DryRun = "dry-run", Committing = "committing", Committed = "committed", Failed = "failed";

    JsonSerializerOptions Json => types.SerializerOptions;

    public async Task CreateAsync(MigrationRecord m, byte[] sha256, byte[] content, string? mapping, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        Add(batch, """
            insert into ledger.migrations (migration_id, chain_id, restaurant_id, preset, file_name, file_sha256, status,
                                           created_at, created_by, report, members_total)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
            """, m.MigrationId, m.ChainId, m.RestaurantId, m.Preset, m.FileName, sha256, m.Status, m.CreatedAt, m.CreatedBy,
            JsonSerializer.Serialize(m.Report, Json), m.MembersTotal);
        Add(batch, "insert into ledger.migration_uploads (migration_id, content, mapping) values ($1, $2, $3)",
            m.MigrationId, content, mapping);
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<MigrationRecord?> GetAsync(string chainId, string migrationId, CancellationToken ct)
    {
        await using var query = Command("""
            select migration_id, chain_id, restaurant_id, preset, file_name, status, created_at, created_by, report::text,
                   commit_at, committed_at, members_total, groups_done, members_done, results::text, result::text, error,
                   (select e.migration_id from ledger.migrations e
                    where e.chain_id = m.chain_id and e.restaurant_id = m.restaurant_id and e.file_sha256 = m.file_sha256
                      and (e.created_at, e.migration_id) < (m.created_at, m.migration_id)
                    order by e.created_at, e.migration_id limit 1)
            from ledger.migrations m where chain_id = $1 and migration_id = $2
            """, chainId, migrationId);
        await using var r = await query.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        T? Read<T>(int i) => r.IsDBNull(i) ? default : JsonSerializer.Deserialize<T>(r.GetString(i), Json);
        DateTimeOffset? At(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new MigrationRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Text(4), r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), r.GetString(7), Read<MigrationReport>(8)!, At(9), At(10), r.GetInt32(11),
            r.GetInt32(12), r.GetInt32(13), Read<MigrationResults>(14), Read<MigrationReport>(15), Text(16), Text(17));
    }

    public async Task<(byte[] Content, string? Mapping)> UploadAsync(string migrationId, CancellationToken ct)
    {
        await using var query = Command("select content, mapping from ledger.migration_uploads where migration_id = $1", migrationId);
        await using var r = await query.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return ((byte[])r[0], r.IsDBNull(1) ? null : r.GetString(1));
    }

    /// <summary>
    /// Marks the migration as committing and returns the instant its events carry (fixed at the first attempt). Refused
    /// once a later upload of the same restaurant is committing or committed: its figures are newer than this one's.
    /// </summary>
    public async Task<DateTimeOffset> StartCommitAsync(string chainId, string migrationId, DateTimeOffset now, CancellationToken ct)
    {
        await using var start = Command("""
            update ledger.migrations m set status = 'committing', commit_at = coalesce(m.commit_at, $3), error = null
            where m.chain_id = $1 and m.migration_id = $2 and not exists (
                select 1 from ledger.migrations later
                where later.chain_id = m.chain_id and later.restaurant_id = m.restaurant_id
                  and (later.created_at, later.migration_id) > (m.created_at, m.migration_id)
                  and later.status in ('committing', 'committed'))
            returning m.commit_at
            """, chainId, migrationId, now);
        return await start.ExecuteScalarAsync(ct) is DateTime at
            ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))
            : throw new LedgerRuleViolation("migration-superseded",
                "A later upload of this restaurant is already committed (or committing): upload a new export instead.");
    }

    /// <summary>Moves the progress on from <paramref name="groupsBefore"/>, in the batch's transaction; false if it had moved.</summary>
    public async Task<bool> SaveProgressAsync(UnitOfWork work, string migrationId, int groupsBefore, int groupsDone, int membersDone,
        MigrationResults results, CancellationToken ct)
    {
        await using var save = work.Command("""
            update ledger.migrations set groups_done = $3, members_done = $4, results = $5::jsonb
            where migration_id = $1 and groups_done = $2
            """, migrationId, groupsBefore, groupsDone, membersDone, JsonSerializer.Serialize(results, Json));
        return await save.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task FinishAsync(string migrationId, MigrationReport result, DateTimeOffset at, CancellationToken ct) => ExecuteAsync(
        "update ledger.migrations set status = 'committed', committed_at = $2, result = $3::jsonb where migration_id = $1", ct,
        migrationId, at, JsonSerializer.Serialize(result, Json));

    public Task FailAsync(string migrationId, string error, CancellationToken ct) => ExecuteAsync(
        "update ledger.migrations set status = 'failed', error = $2 where migration_id = $1 and status = 'committing'", ct,
        migrationId, error);

    async Task ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    NpgsqlCommand Command(string sql, params object?[] parameters)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        return command;
    }

    static void Add(NpgsqlBatch batch, string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        batch.BatchCommands.Add(command);
    }
}
