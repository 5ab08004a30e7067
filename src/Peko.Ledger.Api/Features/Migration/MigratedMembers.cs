using Npgsql;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// <c>ledger.migrated_members</c>: each restaurant member's figures as last migrated, the base a later export is compared
/// with. Written in the batch's transaction with the members' events, so figures and ledger never disagree.
/// </summary>
public static class MigratedMembers
{
    public sealed record Row(MigratedFigures Figures, string MigrationId);

    public static async Task<Dictionary<string, Row>> LoadAsync(NpgsqlDataSource dataSource, string chainId, string restaurantId,
        CancellationToken ct)
    {
        await using var query = dataSource.CreateCommand("""
            select member_key, points, tier_spend, migration_id from ledger.migrated_members
            where chain_id = $1 and restaurant_id = $2
            """);
        query.Parameters.AddWithValue(chainId);
        query.Parameters.AddWithValue(restaurantId);
        await using var r = await query.ExecuteReaderAsync(ct);
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct))
            rows[r.GetString(0)] = new Row(new MigratedFigures(r.GetInt64(1), r.IsDBNull(2) ? null : r.GetDecimal(2)), r.GetString(3));
        return rows;
    }

    public static async Task SaveAsync(UnitOfWork work, string chainId, string restaurantId, string migrationId,
        IReadOnlyList<MemberResult> results, CancellationToken ct)
    {
        await using var save = work.Command("""
            insert into ledger.migrated_members (chain_id, restaurant_id, member_key, guest_id, points, tier_spend, migration_id, line)
            select $1, $2, m.key, m.guest, m.points, m.spend, $3, m.line
            from unnest($4::text[], $5::text[], $6::bigint[], $7::numeric[], $8::int[]) as m(key, guest, points, spend, line)
            on conflict (chain_id, restaurant_id, member_key) do update
            set guest_id = excluded.guest_id, points = excluded.points, tier_spend = excluded.tier_spend,
                migration_id = excluded.migration_id, line = excluded.line
            """, chainId, restaurantId, migrationId, results.Select(r => r.Member.MemberKey).ToArray(),
            results.Select(r => r.GuestId).ToArray(), results.Select(r => r.Member.Points).ToArray(),
            results.Select(r => r.Member.TierSpend).ToArray(), results.Select(r => r.Member.Line).ToArray());
        await save.ExecuteNonQueryAsync(ct);
    }
}
