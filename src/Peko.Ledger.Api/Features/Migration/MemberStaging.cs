using Npgsql;
using NpgsqlTypes;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// An upload's accepted members, staged in <c>ledger.migration_members</c> as the file is read (a page of rows at a
/// time), so neither the dry run nor the commit holds the file's members in memory, whatever its size. A later line
/// with the key of an earlier one is rejected by looking the key up there; members connected by shared identifiers
/// are grouped there (<see cref="StagedGroups"/> reads them back, group by group).
/// </summary>
public sealed class MemberStaging(NpgsqlDataSource dataSource)
{
    /// <summary>Rows read, checked for duplicates and written at a time.</summary>
    public int PageSize { get; init; } = 5_000;

    /// <summary>Reads <paramref name="file"/> and stages its members; returns what the rows came to.</summary>
    public async Task<FileFigures> StageAsync(string migrationId, Stream file, ColumnMapping mapping, string restaurantId,
        Chain chain, DateOnly today, CancellationToken ct)
    {
        var tally = new MigrationTally(restaurantId);
        var page = new List<ParsedRow>(PageSize);
        foreach (var row in MemberExport.Parse(file, mapping, restaurantId, chain, today))
        {
            page.Add(row);
            if (page.Count < PageSize) continue;
            await WritePageAsync(migrationId, page, tally, ct);
            page.Clear();
        }
        await WritePageAsync(migrationId, page, tally, ct);
        await new MemberGrouping(dataSource).GroupAsync(migrationId, ct);
        return tally.File;
    }

    /// <summary>Tallies a page of rows in file order and writes its members; a member already staged is a duplicate.</summary>
    async Task WritePageAsync(string migrationId, List<ParsedRow> page, MigrationTally tally, CancellationToken ct)
    {
        var staged = await StagedLinesAsync(migrationId, [.. page.Where(r => r.Member is not null).Select(r => r.Member!.MemberKey)], ct);
        var accepted = new List<SourceMember>();
        foreach (var row in page)
        {
            if (row.Blank) { tally.BlankLine(); continue; }
            tally.RowRead();
            var rejected = row.Rejected;
            if (row.Member is { } member)
            {
                if (staged.TryGetValue(member.MemberKey, out var first)) rejected = DuplicateMembers.Duplicate(member, first);
                else staged[member.MemberKey] = member.Line;
            }
            if (rejected is not null) tally.Rejected(rejected);
            else
            {
                tally.Accepted(row.Member!);
                accepted.Add(row.Member!);
            }
        }
        if (accepted.Count > 0) await CopyAsync(migrationId, accepted, ct);
    }

    async Task<Dictionary<string, int>> StagedLinesAsync(string migrationId, string[] keys, CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand(
            "select member_key, line from ledger.migration_members where migration_id = $1 and member_key = any($2)");
        query.Parameters.AddWithValue(migrationId);
        query.Parameters.AddWithValue(keys);
        await using var r = await query.ExecuteReaderAsync(ct);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct)) lines[r.GetString(0)] = r.GetInt32(1);
        return lines;
    }

    async Task CopyAsync(string migrationId, List<SourceMember> members, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy ledger.migration_members (migration_id, line, group_line, member_key, name, id_kinds, id_values, points,
                points_expire_on, source_tier, lifetime_spend, window_spend, joined_on, last_visit_on) from stdin (format binary)
            """, ct);
        foreach (var m in members)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(migrationId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.Line, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(m.Line, NpgsqlDbType.Integer, ct); // its own group until grouped
            await copy.WriteAsync(m.MemberKey, NpgsqlDbType.Text, ct);
            await WriteAsync(copy, m.Name, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.Identifiers.Select(i => i.Kind.ToString()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.Identifiers.Select(i => i.Value).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.Points, NpgsqlDbType.Bigint, ct);
            await WriteAsync(copy, m.PointsExpireOn, NpgsqlDbType.Date, ct);
            await WriteAsync(copy, m.SourceTier, NpgsqlDbType.Text, ct);
            await WriteAsync(copy, m.LifetimeSpend, NpgsqlDbType.Numeric, ct);
            await WriteAsync(copy, m.WindowSpend, NpgsqlDbType.Numeric, ct);
            await WriteAsync(copy, m.JoinedOn, NpgsqlDbType.Date, ct);
            await WriteAsync(copy, m.LastVisitOn, NpgsqlDbType.Date, ct);
        }
        await copy.CompleteAsync(ct);
    }

    static Task WriteAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);

    /// <summary>
    /// Members of the restaurant migrated before whose key this upload does not have (counted in the report, left as
    /// they are).
    /// </summary>
    public async Task<int> MigratedBeforeButNotInFileAsync(string chainId, string restaurantId, string migrationId,
        CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand("""
            select count(*)::int from ledger.migrated_members mm
            where mm.chain_id = $1 and mm.restaurant_id = $2 and not exists (
                select 1 from ledger.migration_members s where s.migration_id = $3 and s.member_key = mm.member_key)
            """);
        query.Parameters.AddWithValue(chainId);
        query.Parameters.AddWithValue(restaurantId);
        query.Parameters.AddWithValue(migrationId);
        return (int)(await query.ExecuteScalarAsync(ct))!;
    }

    public async Task DeleteAsync(string migrationId, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var table in new[] { "migration_members", "migration_links" })
            batch.BatchCommands.Add(new($"delete from ledger.{table} where migration_id = $1") { Parameters = { new() { Value = migrationId } } });
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads a staged member back (the columns <see cref="StagedGroups"/> selects, from <paramref name="at"/>).</summary>
    internal static SourceMember Read(NpgsqlDataReader r, int at)
    {
        T? Nullable<T>(int i) where T : struct => r.IsDBNull(at + i) ? null : r.GetFieldValue<T>(at + i);
        string? Text(int i) => r.IsDBNull(at + i) ? null : r.GetString(at + i);
        var (kinds, values) = (r.GetFieldValue<string[]>(at + 2), r.GetFieldValue<string[]>(at + 3));
        return new SourceMember(r.GetInt32(at), Text(1),
            [.. kinds.Select((k, i) => new GuestIdentifier(Enum.Parse<IdentifierKind>(k), values[i]))], r.GetInt64(at + 4),
            Nullable<DateOnly>(5), Text(6), Nullable<decimal>(7), Nullable<decimal>(8), Nullable<DateOnly>(9), Nullable<DateOnly>(10));
    }

    internal const string MemberColumns =
        "line, name, id_kinds, id_values, points, points_expire_on, source_tier, lifetime_spend, window_spend, joined_on, last_visit_on";
}
