using System.Runtime.CompilerServices;
using Npgsql;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>Consecutive whole groups of members (a guest's members are never split): one transaction of a migration.</summary>
public sealed record MemberBatch(IReadOnlyList<SourceMember> Members, int Groups);

/// <summary>
/// An upload's staged members read back in batches of whole groups, in file order, a page at a time: what the dry run
/// and the commit work through, in memory bounded by the batch and page size, not the file's.
/// </summary>
public sealed class StagedGroups(NpgsqlDataSource dataSource, string migrationId)
{
    /// <summary>Members read at a time; by default twice the batch size, at least 1,000.</summary>
    public int? PageSize { get; init; }

    /// <summary>The group line of the last of the first <paramref name="groups"/> groups (0 for none): where a resumed commit goes on.</summary>
    public async Task<int> AfterGroupsAsync(int groups, CancellationToken ct)
    {
        if (groups == 0) return 0;
        await using var query = dataSource.CreateCommand("""
            select max(group_line) from (
                select distinct group_line from ledger.migration_members where migration_id = $1 order by group_line limit $2) done
            """);
        query.Parameters.AddWithValue(migrationId);
        query.Parameters.AddWithValue(groups);
        return (int)(await query.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Batches of about <paramref name="size"/> members, from the group after <paramref name="afterGroupLine"/> on: groups
    /// are added to a batch until it holds <paramref name="size"/> members or more.
    /// </summary>
    public async IAsyncEnumerable<MemberBatch> BatchesAsync(int size, int afterGroupLine, [EnumeratorCancellation] CancellationToken ct)
    {
        var pages = new Pages(dataSource, migrationId, PageSize ?? Math.Max(2 * size, 1_000), afterGroupLine);
        while (true)
        {
            var members = new List<SourceMember>();
            var groups = 0;
            while (members.Count < size && await pages.NextGroupAsync(ct) is { } group)
            {
                members.AddRange(group);
                groups++;
            }
            if (groups == 0) yield break;
            yield return new MemberBatch(members, groups);
        }
    }

    /// <summary>Whole groups, read a page of members at a time (a group cut by the page's end is read again with the next).</summary>
    sealed class Pages(NpgsqlDataSource dataSource, string migrationId, int pageSize, int after)
    {
        readonly Queue<List<SourceMember>> _groups = new();
        bool _exhausted;

        public async Task<List<SourceMember>?> NextGroupAsync(CancellationToken ct)
        {
            if (_groups.Count == 0 && !_exhausted) await ReadPageAsync(ct);
            return _groups.TryDequeue(out var group) ? group : null;
        }

        async Task ReadPageAsync(CancellationToken ct)
        {
            var rows = await ReadAsync("group_line > $2 order by group_line, line limit $3", after, pageSize, ct);
            if (rows.Count == 0)
            {
                _exhausted = true;
                return;
            }
            var groups = rows.GroupBy(r => r.GroupLine).ToList();
            if (rows.Count == pageSize && groups.Count > 1) groups.RemoveAt(groups.Count - 1); // maybe cut: read it again
            else if (rows.Count == pageSize) groups = [.. (await ReadAsync("group_line = $2 order by line", groups[0].Key, null, ct)).GroupBy(r => r.GroupLine)];
            foreach (var group in groups) _groups.Enqueue([.. group.Select(r => r.Member)]);
            after = groups[^1].Key;
        }

        async Task<List<(int GroupLine, SourceMember Member)>> ReadAsync(string condition, int value, int? limit, CancellationToken ct)
        {
            await using var query = dataSource.CreateCommand(
                $"select group_line, {MemberStaging.MemberColumns} from ledger.migration_members where migration_id = $1 and {condition}");
            query.Parameters.AddWithValue(migrationId);
            query.Parameters.AddWithValue(value);
            if (limit is { } l) query.Parameters.AddWithValue(l);
            await using var r = await query.ExecuteReaderAsync(ct);
            var rows = new List<(int, SourceMember)>();
            while (await r.ReadAsync(ct)) rows.Add((r.GetInt32(0), MemberStaging.Read(r, 1)));
            return rows;
        }
    }
}
