using System.Reflection;
using Npgsql;

namespace Peko.Ledger.EventStore;

/// <summary>
/// Creates and upgrades the ledger schema from the numbered scripts embedded in this assembly
/// (<c>Schema/NNN_name.sql</c>). Idempotent and safe when several processes start at once:
/// each run holds a transaction-level advisory lock and applies only the scripts not yet recorded.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource)
{
    const long MigrationLockKey = 0x7065_6b6f_5f6d_6967; // "peko_mig"

    public static IReadOnlyList<SchemaScript> Scripts { get; } = LoadScripts();

    public static int LatestVersion => Scripts[^1].Version;

    public async Task<IReadOnlyList<SchemaScript>> MigrateAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, "select pg_advisory_xact_lock($1)", ct, MigrationLockKey);
        await Execute(connection, tx, """
            create schema if not exists ledger;
            create table if not exists ledger.schema_versions (
                version    int primary key,
                name       text not null,
                applied_at timestamptz not null default now());
            """, ct);

        var applied = await AppliedVersionsAsync(connection, tx, ct);
        var pending = Scripts.Where(s => !applied.Contains(s.Version)).ToList();
        foreach (var script in pending)
        {
            await Execute(connection, tx, script.Sql, ct);
            await Execute(connection, tx, "insert into ledger.schema_versions (version, name) values ($1, $2)", ct,
                script.Version, script.Name);
        }
        await tx.CommitAsync(ct);
        return pending;
    }

    /// <summary>The highest applied version, or 0 when the schema does not exist yet.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select coalesce((select max(version) from ledger.schema_versions), 0) " +
            "where to_regclass('ledger.schema_versions') is not null");
        var result = await command.ExecuteScalarAsync(ct);
        return result is int version ? version : 0;
    }

    static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection c, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select version from ledger.schema_versions", c, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(ct)) versions.Add(reader.GetInt32(0));
        return versions;
    }

    static async Task Execute(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct,
        params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, c, tx);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync(ct);
    }

    static List<SchemaScript> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Peko.Ledger.EventStore.Schema.";
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, n, n[prefix.Length..^4]))
            .OrderBy(s => s.Version)
            .ToList();
        if (scripts.Select(s => s.Version).Distinct().Count() != scripts.Count)
            throw new InvalidOperationException("Two schema scripts share a version number.");
        return scripts;
    }

    static SchemaScript Read(Assembly assembly, string resource, string fileName)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        var underscore = fileName.IndexOf('_', StringComparison.Ordinal);
        return new SchemaScript(int.Parse(fileName[..underscore], System.Globalization.CultureInfo.InvariantCulture),
            fileName[(underscore + 1)..], reader.ReadToEnd());
    }
}

public sealed record SchemaScript(int Version, string Name, string Sql);
