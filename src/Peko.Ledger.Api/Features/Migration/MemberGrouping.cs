using Npgsql;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Groups an upload's staged members in the database: members connected by any chain of shared identifiers are one
/// guest (<see cref="Domain.Migration.MemberMatcher"/>'s rule), and each member's <c>group_line</c> becomes the first
/// line of its group, so reading by <c>(group_line, line)</c> gives the groups in file order, each in file order, as
/// the matcher orders them. Set-based: the identifiers several members share are collected once, then every member
/// takes the lowest group line among the members it shares one with, until nothing moves (as many rounds as the
/// longest chain of members is long; two or three on real files).
/// </summary>
public sealed class MemberGrouping(NpgsqlDataSource dataSource)
{
    public async Task GroupAsync(string migrationId, CancellationToken ct)
    {
        await ExecuteAsync("""
            insert into ledger.migration_links (migration_id, kind, value, line)
            select $1, shared.kind, shared.value, unnest(shared.lines)
            from (select i.kind, i.value, array_agg(m.line) as lines
                  from ledger.migration_members m, unnest(m.id_kinds, m.id_values) as i(kind, value)
                  where m.migration_id = $1
                  group by i.kind, i.value having count(*) > 1) shared
            """, migrationId, ct);
        while (await ExecuteAsync("""
                   with per_identifier as (
                       select l.kind, l.value, min(m.group_line) as group_line
                       from ledger.migration_links l
                       join ledger.migration_members m on m.migration_id = l.migration_id and m.line = l.line
                       where l.migration_id = $1
                       group by l.kind, l.value),
                   per_member as (
                       select l.line, min(p.group_line) as group_line
                       from ledger.migration_links l join per_identifier p on p.kind = l.kind and p.value = l.value
                       where l.migration_id = $1
                       group by l.line)
                   update ledger.migration_members m set group_line = p.group_line
                   from per_member p
                   where m.migration_id = $1 and m.line = p.line and m.group_line > p.group_line
                   """, migrationId, ct) > 0) { }
        await ExecuteAsync("delete from ledger.migration_links where migration_id = $1", migrationId, ct);
    }

    async Task<int> ExecuteAsync(string sql, string migrationId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(migrationId);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
