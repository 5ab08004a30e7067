using System.Security.Cryptography;
using System.Text;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Migration;

/// <summary>
/// A member of one restaurant's own loyalty programme, as its POS export lists it, checked and normalised: at least one
/// identifier, a balance of zero or more whole points, spend and dates where the export has them.
/// </summary>
/// <param name="Line">The line of the export the member was read from (1 is the header).</param>
/// <param name="WindowSpend">Spend in the export's last 12 months, when the export has that column.</param>
public sealed record SourceMember(
    int Line, string? Name, IReadOnlyList<GuestIdentifier> Identifiers, long Points, DateOnly? PointsExpireOn,
    string? SourceTier, decimal? LifetimeSpend, decimal? WindowSpend, DateOnly? JoinedOn, DateOnly? LastVisitOn)
{
    /// <summary>
    /// Who this member is within its restaurant, from one export to the next: its POS customer id, else its phone,
    /// email or Zalo id. Hashed, so the key can be stored and put in events without personal data.
    /// </summary>
    public string MemberKey { get; } = KeyOf(Identifiers);

    /// <summary>The identifier the key is made from (for messages: "same POS customer id as line 12").</summary>
    public GuestIdentifier KeyIdentifier => KeyIdentifierOf(Identifiers);

    /// <summary>The spend that counts toward tiers: the last 12 months when the export says, else the lifetime spend.</summary>
    public decimal? TierSpend => WindowSpend ?? LifetimeSpend;

    static readonly IdentifierKind[] KeyOrder =
        [IdentifierKind.PosCustomer, IdentifierKind.Phone, IdentifierKind.Email, IdentifierKind.Zalo];

    static GuestIdentifier KeyIdentifierOf(IReadOnlyList<GuestIdentifier> ids) =>
        KeyOrder.Select(k => ids.FirstOrDefault(i => i.Kind == k)).FirstOrDefault(i => i is not null)
        ?? throw new ArgumentException("A source member has at least one identifier.", nameof(ids));

    static string KeyOf(IReadOnlyList<GuestIdentifier> ids)
    {
        var key = KeyIdentifierOf(ids);
        return MigrationIds.Hash($"{key.Kind}:{key.Value}");
    }
}

/// <summary>
/// Deterministic ids for what a migration writes: the same migration, restaurant and member always give the same id,
/// so a resumed or repeated commit names the same guests, lots and adjustments as the first.
/// </summary>
public static class MigrationIds
{
    public static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    /// <summary>A member's opening-balance lot: one per restaurant and member, whichever upload brings it.</summary>
    public static string OpeningLot(string chainId, string restaurantId, string memberKey) =>
        $"lot_mig_{Hash($"{chainId}|{restaurantId}|{memberKey}")}";

    /// <summary>A later export's correction of a member's balance: one per migration and member.</summary>
    public static string Adjustment(string migrationId, string memberKey) => $"adj_mig_{Hash($"{migrationId}|{memberKey}")}";

    public static string AdjustmentLot(string migrationId, string memberKey) => $"lot_mig_{Hash($"{migrationId}|{memberKey}|adj")}";

    public static string Spend(string migrationId, string memberKey) => $"spend_mig_{Hash($"{migrationId}|{memberKey}")}";

    /// <summary>
    /// A new guest: the migration's own prefix, then the member's. A migration's guests then sit side by side in every
    /// index keyed by guest or stream id (a batch's inserts touch a few pages, not a page per guest across the whole
    /// index): the migration benchmark's 1,000,000 members took 259 s instead of 335 s (docs/benchmarks.md).
    /// </summary>
    public static string NewGuest(string migrationId, string memberKey) =>
        $"gst_mig_{Hash(migrationId)[..8]}{Hash($"{migrationId}|{memberKey}")[..24]}";

    public static string Merge(string migrationId, string memberKey, string absorbedId) =>
        $"mrg_mig_{Hash($"{migrationId}|{memberKey}|{absorbedId}")}";
}
