using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Api.Features.Counter;

public sealed record ResolvedGuest(string GuestId, bool IsNew, string? DisplayName, IReadOnlyList<GuestIdentifier> Missing);

/// <summary>Finds the guest that holds a request's identifiers (normalised first), or says a new one is needed.</summary>
public static class GuestResolver
{
    public static IReadOnlyList<GuestIdentifier> Normalise(GuestRef? guest, Chain chain, string restaurantId, bool required = true)
    {
        var ids = new List<GuestIdentifier>();
        if (!string.IsNullOrWhiteSpace(guest?.Phone)) ids.Add(GuestIdentifier.Phone(guest.Phone, chain.DefaultPhoneRegion));
        if (!string.IsNullOrWhiteSpace(guest?.Email)) ids.Add(GuestIdentifier.Email(guest.Email));
        if (!string.IsNullOrWhiteSpace(guest?.ZaloId)) ids.Add(GuestIdentifier.Zalo(guest.ZaloId));
        if (!string.IsNullOrWhiteSpace(guest?.PosCustomerId)) ids.Add(GuestIdentifier.PosCustomer(restaurantId, guest.PosCustomerId));
        if (required && ids.Count == 0)
            throw new InvalidInput("guest", "Name the guest by at least one of phone, email, zaloId or posCustomerId.");
        if (guest?.Name is { Length: > 200 }) throw new InvalidInput("guest.name", "The name is 200 characters at most.");
        return ids;
    }

    public static string LockKey(string chainId, GuestIdentifier id) => $"identifier:{chainId}:{id.Kind}:{id.Value}";

    /// <summary>
    /// The guest holding any of <paramref name="ids"/>. When several guests hold them, the earliest created is chosen
    /// here; merging them is the identity issue's work.
    /// </summary>
    public static async Task<ResolvedGuest?> FindAsync(UnitOfWork work, string chainId, IReadOnlyList<GuestIdentifier> ids,
        CancellationToken ct)
    {
        await using var find = work.Command("""
            select i.kind, i.value, g.guest_id, g.display_name
            from ledger.guest_identifiers i join ledger.guests g on g.guest_id = i.guest_id
            where i.chain_id = $1 and (i.kind, i.value) in (select * from unnest($2::text[], $3::text[]))
            order by g.created_at, g.guest_id
            """, chainId, ids.Select(i => i.Kind.ToString()).ToArray(), ids.Select(i => i.Value).ToArray());
        await using var reader = await find.ExecuteReaderAsync(ct);
        var held = new List<(string Kind, string Value, string GuestId, string? Name)>();
        while (await reader.ReadAsync(ct))
            held.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        if (held.Count == 0) return null;
        var chosen = held[0];
        var missing = ids.Where(i => !held.Any(h => h.Kind == i.Kind.ToString() && h.Value == i.Value)).ToList();
        return new ResolvedGuest(chosen.GuestId, false, chosen.Name, missing);
    }

    public static async Task<ResolvedGuest?> FindByIdAsync(UnitOfWork work, string chainId, string guestId, CancellationToken ct)
    {
        await using var find = work.Command(
            "select display_name from ledger.guests where chain_id = $1 and guest_id = $2", chainId, guestId);
        await using var reader = await find.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ResolvedGuest(guestId, false, reader.IsDBNull(0) ? null : reader.GetString(0), [])
            : null;
    }
}
