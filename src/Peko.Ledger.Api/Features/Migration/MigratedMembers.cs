using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// <c>ledger.migrated_members</c>: each restaurant member's figures as last migrated, the base a later export is compared
/// with. Written in the batch's transaction with the members' events, so figures and ledger never disagree.
/// </summary>
public static class MigratedMembers
{
    /// <summary>What was last migrated for these members of the restaurant, by member key (read in the batch's transaction).</summary>
    public static async Task<Dictionary<string, MigratedFigures>> FiguresAsync(UnitOfWork work, string chainId, string restaurantId,
        IReadOnlyList<SourceMember> members, CancellationToken ct)
    {
        // A join on the keys, not "member_key = any($3)": a generic plan made while the table was small scans it all.
        await using var query = work.Command("""
            select mm.member_key, mm.points, mm.tier_spend
            from unnest($3::text[]) as k(member_key)
            join ledger.migrated_members mm on mm.chain_id = $1 and mm.restaurant_id = $2 and mm.member_key = k.member_key
            """, chainId, restaurantId, members.Select(m => m.MemberKey).ToArray());
        await using var r = await query.ExecuteReaderAsync(ct);
        var figures = new Dictionary<string, MigratedFigures>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct))
            figures[r.GetString(0)] = new MigratedFigures(r.GetInt64(1), r.IsDBNull(2) ? null : r.GetDecimal(2));
        return figures;
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
