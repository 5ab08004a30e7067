using System.Security.Cryptography;
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
    MigrationReport? Result, string? Error, string? SameFileAs, DateOnly? StagedOn = null, FileFigures? Staged = null,
    string? CommitBy = null);

/// <summary>
/// The rows of <c>ledger.migrations</c>, <c>ledger.migration_uploads</c> and <c>ledger.migration_upload_chunks</c> (the
/// export as uploaded, in 1 MiB chunks, so neither storing nor reading it back needs it whole in memory).
/// </summary>
public sealed class MigrationRecords(NpgsqlDataSource dataSource, EventTypeRegistry types)
{
    public const string DryRun = "dry-run", Committing = "committing", Committed = "committed", Failed = "failed";

    JsonSerializerOptions Json => types.SerializerOptions;

    const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Records a dry run with its upload, read from <paramref name="content"/> in chunks (hashed on the way for
    /// <c>sameFileAs</c>), and the figures of its staged members, in one transaction.
    /// </summary>
    public async Task CreateAsync(MigrationRecord m, Stream content, string? mapping, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkBytes];
        for (var chunk = 0; ; chunk++)
        {
            var length = await content.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, ct);
            if (length == 0 && chunk > 0) break;
            sha256.AppendData(buffer, 0, length);
            await using var insert = new NpgsqlCommand(
                "insert into ledger.migration_upload_chunks (migration_id, chunk, content) values ($1, $2, $3)", connection, tx)
            {
                Parameters = { new() { Value = m.MigrationId }, new() { Value = chunk }, new() { Value = new ArraySegment<byte>(buffer, 0, length) } },
            };
            await insert.ExecuteNonQueryAsync(ct);
            if (length < ChunkBytes) break;
        }
        await using var batch = new NpgsqlBatch(connection, tx);
        Add(batch, """
            insert into ledger.migrations (migration_id, chain_id, restaurant_id, preset, file_name, file_sha256, status,
                                           created_at, created_by, report, members_total, staged_on, staged)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13::jsonb)
            """, m.MigrationId, m.ChainId, m.RestaurantId, m.Preset, m.FileName, sha256.GetHashAndReset(), m.Status, m.CreatedAt,
            m.CreatedBy, JsonSerializer.Serialize(m.Report, Json), m.MembersTotal, m.StagedOn, JsonSerializer.Serialize(m.Staged, Json));
        Add(batch, "insert into ledger.migration_uploads (migration_id, mapping) values ($1, $2)", m.MigrationId, mapping);
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<MigrationRecord?> GetAsync(string chainId, string migrationId, CancellationToken ct)
    {
        await using var query = Command("""
            select migration_id, chain_id, restaurant_id, preset, file_name, status, created_at, created_by, report::text,
                   commit_at, committed_at, members_total, groups_done, members_done, results::text, result::text, error,
                   staged_on, staged::text, commit_by,
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
            r.GetInt32(12), r.GetInt32(13), Read<MigrationResults>(14), Read<MigrationReport>(15), Text(16), Text(20),
            r.IsDBNull(17) ? null : r.GetFieldValue<DateOnly>(17), Read<FileFigures>(18), Text(19));
    }

    /// <summary>Writes the upload, chunk by chunk, to <paramref name="destination"/>; returns its mapping file, if any.</summary>
    public async Task<string?> UploadAsync(string migrationId, Stream destination, CancellationToken ct)
    {
        for (var chunk = 0; ; chunk++)
        {
            await using var read = Command(
                "select content from ledger.migration_upload_chunks where migration_id = $1 and chunk = $2", migrationId, chunk);
            if (await read.ExecuteScalarAsync(ct) is not byte[] content) break;
            await destination.WriteAsync(content, ct);
        }
        await using var query = Command("select mapping from ledger.migration_uploads where migration_id = $1", migrationId);
        return await query.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Records (or, with null, forgets) that the upload's members are staged as read on <paramref name="on"/>.</summary>
    public Task SetStagedAsync(string migrationId, DateOnly? on, FileFigures? staged, CancellationToken ct) => ExecuteAsync(
        "update ledger.migrations set staged_on = $2, staged = $3::jsonb, members_total = coalesce($4, members_total) where migration_id = $1",
        ct, migrationId, on, staged is null ? null : JsonSerializer.Serialize(staged, Json), staged?.MembersAccepted);

    /// <summary>Migrations whose commit was started and not finished (running now, or left by a stopped process).</summary>
    public async Task<List<(string ChainId, string MigrationId)>> CommittingAsync(CancellationToken ct)
    {
        await using var query = Command("select chain_id, migration_id from ledger.migrations where status = $1 order by commit_at, migration_id",
            Committing);
        await using var r = await query.ExecuteReaderAsync(ct);
        var committing = new List<(string, string)>();
        while (await r.ReadAsync(ct)) committing.Add((r.GetString(0), r.GetString(1)));
        return committing;
    }

    /// <summary>
    /// Marks the migration as committing and returns the instant its events carry (fixed at the first attempt). Refused
    /// once a later upload of the same restaurant is committing or committed: its figures are newer than this one's.
    /// </summary>
    public async Task<DateTimeOffset> StartCommitAsync(string chainId, string migrationId, DateTimeOffset now, string by,
        CancellationToken ct)
    {
        await using var start = Command("""
            update ledger.migrations m set status = 'committing', commit_at = coalesce(m.commit_at, $3), commit_by = $4, error = null
            where m.chain_id = $1 and m.migration_id = $2 and not exists (
                select 1 from ledger.migrations later
                where later.chain_id = m.chain_id and later.restaurant_id = m.restaurant_id
                  and (later.created_at, later.migration_id) > (m.created_at, m.migration_id)
                  and later.status in ('committing', 'committed'))
            returning m.commit_at
            """, chainId, migrationId, now, by);
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
