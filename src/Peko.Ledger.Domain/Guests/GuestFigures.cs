using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Guests;

/// <summary>
/// What a guest's ledger says at an instant, folded from its points and membership events (pure): the figures the
/// guest view shows, by the same rules, so at "now" they equal the live read models.
/// </summary>
public sealed record GuestFigures(long Balance, long PendingPoints, string Tier, decimal WindowSpend, int TierWindowMonths,
    IReadOnlyList<PointsLot> OpenLots)
{
    public static GuestFigures At(Chain chain, PointsAccount points, MembershipState membership, DateTimeOffset at)
    {
        var today = chain.LocalDate(at);
        var months = chain.Programme.TierWindowMonths;
        // Open lots in consumption order: soonest-expiring first, then earliest earned (as the guest view lists them).
        var open = points.Lots.Where(l => l.Remaining > 0 && !l.IsExpired(today))
            .OrderBy(l => l.ExpiresOn).ThenBy(l => l.EarnedAt).ThenBy(l => l.LotId, StringComparer.Ordinal).ToList();
        // The tier window counts orders the POS dated after the window's start, as the live guest view does.
        var windowStart = at.AddMonths(-months);
        return new GuestFigures(
            Balance: open.Sum(l => l.Remaining) - points.Deficit,
            PendingPoints: open.Where(l => l.SpendableFrom > at).Sum(l => l.Remaining),
            Tier: chain.Programme.TierNamed(membership.Tier).Name,
            WindowSpend: membership.Orders.Where(s => s.OccurredAt > windowStart).Sum(s => s.Amount),
            TierWindowMonths: months,
            OpenLots: open);
    }
}
