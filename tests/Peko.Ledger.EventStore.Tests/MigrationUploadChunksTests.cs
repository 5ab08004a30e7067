using Npgsql;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>Schema 010 keeps uploads in chunks; uploads stored whole by 008 are split on the way (issue 8, flat memory).</summary>
public sealed class MigrationUploadChunksTests(EmptyDatabase db) : IClassFixture<EmptyDatabase>
{
    [Fact]
    public async Task An_upload_stored_whole_before_010_becomes_1_MiB_chunks_that_put_together_are_the_upload()
    {
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, """
                create schema ledger;
                create table ledger.schema_versions (version int primary key, name text not null, applied_at timestamptz not null default now());
                """);
            foreach (var script in SchemaMigrator.Scripts.Where(s => s.Version < 10))
                await ExecuteAsync(connection, script.Sql + $"; insert into ledger.schema_versions (version, name) values ({script.Version}, '{script.Name}')");
        }
        var upload = new byte[(5 << 20) / 2]; // 2.5 MiB
        new Random(7).NextBytes(upload);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, """
                insert into ledger.migrations (migration_id, chain_id, restaurant_id, preset, file_sha256, status, created_at, created_by, report)
                values ('mig_old', 'c', 'd1', 'kiotviet', '\x00', 'dry-run', now(), 'key', '{}')
                """);
            await ExecuteAsync(connection, "insert into ledger.migration_uploads (migration_id, content, mapping) values ('mig_old', $1, null)", upload);
        }

        await new SchemaMigrator(db.DataSource).MigrateAsync();

        await using var read = db.DataSource.CreateCommand(
            "select chunk, content from ledger.migration_upload_chunks where migration_id = 'mig_old' order by chunk");
        await using var r = await read.ExecuteReaderAsync();
        var chunks = new List<(int Chunk, byte[] Content)>();
        while (await r.ReadAsync()) chunks.Add((r.GetInt32(0), (byte[])r[1]));
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Chunk));
        Assert.Equal([1 << 20, 1 << 20, 1 << 19], chunks.Select(c => c.Content.Length));
        Assert.Equal(upload, chunks.SelectMany(c => c.Content).ToArray());
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync();
    }
}
