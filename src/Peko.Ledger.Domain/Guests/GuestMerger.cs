using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Guests;

/// <summary>One guest's three streams, folded.</summary>
public sealed record GuestState(string GuestId, GuestProfile Profile, PointsAccount Points, MembershipState Membership);

/// <summary>The events a merge (or its undo) appends to each of the two guests' three streams.</summary>
public sealed record MergeEvents(
    IReadOnlyList<object> SurvivorGuest, IReadOnlyList<object> SurvivorPoints, IReadOnlyList<object> SurvivorMembership,
    IReadOnlyList<object> AbsorbedGuest, IReadOnlyList<object> AbsorbedPoints, IReadOnlyList<object> AbsorbedMembership);

/// <summary>
/// Merging two guests into one, and undoing it exactly (docs/identity.md). A merge moves everything the absorbed
/// guest holds: every lot with its issuing restaurant, expiry and remaining points, its orders (so later voids find
/// them), its negative balance and its counted spend; the survivor's tier is recomputed at once. An undo sends back
/// the lots, orders and spend whose latest origin is that merge, as they are now (points spent from them after the
/// merge stay spent), and the part of the negative balance it brought that is still owed; both tiers are recomputed.
/// </summary>
public static class GuestMerger
{
    public static MergeEvents Merge(string mergeId, GuestState survivor, GuestState absorbed, Chain chain, string? reason,
        DateTimeOffset now)
    {
        var why = Reason(reason);
        if (survivor.GuestId == absorbed.GuestId) throw new LedgerRuleViolation("merge-with-itself", "A guest cannot absorb itself.");
        foreach (var guest in new[] { survivor, absorbed })
            if (guest.Profile.MergedInto is { } into)
                throw new LedgerRuleViolation("guest-already-merged",
                    $"Guest {guest.GuestId} was already merged into {into}; merge with that guest instead.");

        var lots = absorbed.Points.Lots.Select(l => Moved(l, [.. absorbed.Points.OriginsOf(l.LotId), mergeId])).ToList();
        var orders = absorbed.Points.Orders.Values
            .Select(o => Moved(o, [.. absorbed.Points.OriginsOf(o.RestaurantId, o.OrderId), mergeId])).ToList();
        var spend = absorbed.Membership.Orders
            .Select(s => new MovedSpend(s.RestaurantId, s.OrderId, s.OccurredAt, s.Amount, [.. absorbed.Membership.OriginsOf(s), mergeId]))
            .ToList();
        var deficit = absorbed.Points.Deficit;

        var survivorSpend = survivor.Membership.With(new SpendMovedIn(survivor.GuestId, absorbed.GuestId, mergeId, spend, now));
        return new MergeEvents(
            [new GuestsMerged(survivor.GuestId, absorbed.GuestId, mergeId, why, now)],
            lots.Count + orders.Count > 0 || deficit != 0
                ? [new PointsMovedIn(survivor.GuestId, absorbed.GuestId, mergeId, lots, orders, deficit, now)] : [],
            [.. spend.Count > 0 ? [new SpendMovedIn(survivor.GuestId, absorbed.GuestId, mergeId, spend, now)] : Array.Empty<object>(),
                .. Retier(survivor.GuestId, survivor.Membership.Tier, survivorSpend, chain, now)],
            [new GuestMergedInto(absorbed.GuestId, survivor.GuestId, mergeId, why, now)],
            lots.Count + orders.Count > 0 || deficit != 0
                ? [new PointsMovedOut(absorbed.GuestId, survivor.GuestId, mergeId, [.. lots.Select(l => l.LotId)],
                    [.. orders.Select(o => new OrderRef(o.RestaurantId, o.OrderId))], deficit, now)] : [],
            spend.Count > 0 ? [new SpendMovedOut(absorbed.GuestId, survivor.GuestId, mergeId, spend, now)] : []);
    }

    public static MergeEvents Undo(string mergeId, GuestState survivor, GuestState absorbed, Chain chain, string? reason,
        DateTimeOffset now)
    {
        var why = Reason(reason);
        var merge = survivor.Profile.Merges.FirstOrDefault(m => m.MergeId == mergeId)
                    ?? throw new LedgerRuleViolation("merge-not-found", $"Guest {survivor.GuestId} absorbed nobody in merge {mergeId}.");
        if (merge.Undone) throw new LedgerRuleViolation("merge-already-undone", "This merge was already undone.");
        if (survivor.Profile.MergedInto is { } later)
            throw new LedgerRuleViolation("undo-later-merge-first",
                $"Guest {survivor.GuestId} was since merged into {later}: undo that merge first.");
        if (absorbed.GuestId != merge.AbsorbedId || absorbed.Profile.MergedInto != survivor.GuestId)
            throw new LedgerRuleViolation("merge-not-found", "That guest is not the one this merge absorbed.");

        bool Brought(IReadOnlyList<string> origins) => origins.Count > 0 && origins[^1] == mergeId;
        var lots = survivor.Points.Lots.Where(l => Brought(survivor.Points.OriginsOf(l.LotId)))
            .Select(l => Moved(l, [.. survivor.Points.OriginsOf(l.LotId).SkipLast(1)])).ToList();
        var orders = survivor.Points.Orders.Values.Where(o => Brought(survivor.Points.OriginsOf(o.RestaurantId, o.OrderId)))
            .Select(o => Moved(o, [.. survivor.Points.OriginsOf(o.RestaurantId, o.OrderId).SkipLast(1)])).ToList();
        var spend = survivor.Membership.Orders.Where(s => Brought(survivor.Membership.OriginsOf(s)))
            .Select(s => new MovedSpend(s.RestaurantId, s.OrderId, s.OccurredAt, s.Amount, [.. survivor.Membership.OriginsOf(s).SkipLast(1)]))
            .ToList();
        // The debt it brought goes back only as far as it is still owed: the survivor's earns may have paid it off.
        var deficit = Math.Min(survivor.Points.DeficitBroughtBy(mergeId), survivor.Points.Deficit);

        var survivorAfter = survivor.Membership.With(new SpendMovedOut(survivor.GuestId, absorbed.GuestId, mergeId, spend, now));
        var absorbedAfter = absorbed.Membership.With(new SpendMovedIn(absorbed.GuestId, survivor.GuestId, mergeId, spend, now));
        var moves = lots.Count + orders.Count > 0 || deficit != 0;
        return new MergeEvents(
            [new GuestMergeUndone(survivor.GuestId, absorbed.GuestId, mergeId, why, now)],
            moves ? [new PointsMovedOut(survivor.GuestId, absorbed.GuestId, mergeId, [.. lots.Select(l => l.LotId)],
                [.. orders.Select(o => new OrderRef(o.RestaurantId, o.OrderId))], deficit, now)] : [],
            [.. spend.Count > 0 ? [new SpendMovedOut(survivor.GuestId, absorbed.GuestId, mergeId, spend, now)] : Array.Empty<object>(),
                .. Retier(survivor.GuestId, survivor.Membership.Tier, survivorAfter, chain, now)],
            [new GuestRestored(absorbed.GuestId, survivor.GuestId, mergeId, why, now)],
            moves ? [new PointsMovedIn(absorbed.GuestId, survivor.GuestId, mergeId, lots, orders, deficit, now)] : [],
            [.. spend.Count > 0 ? [new SpendMovedIn(absorbed.GuestId, survivor.GuestId, mergeId, spend, now)] : Array.Empty<object>(),
                .. Retier(absorbed.GuestId, absorbed.Membership.Tier, absorbedAfter, chain, now)]);
    }

    /// <summary>A tier change when the spend in the window up to now calls for another tier than the current one.</summary>
    static IEnumerable<object> Retier(string guestId, string? current, MembershipState membership, Chain chain, DateTimeOffset now)
    {
        var programme = chain.Programme;
        var spend = membership.WindowSpend(now, programme.TierWindowMonths);
        var from = programme.TierNamed(current).Name;
        var to = programme.TierFor(spend).Name;
        if (from != to) yield return new TierChanged(guestId, from, to, spend, chain.LocalDate(now));
    }

    static MovedLot Moved(PointsLot l, IReadOnlyList<string> origins) => new(l.LotId, l.IssuedBy, l.OrderId, l.Points,
        l.Remaining, l.EarnedAt, l.SpendableFrom, l.ExpiresOn, l.PointValue, origins);

    static MovedOrder Moved(OrderPoints o, IReadOnlyList<string> origins) => new(o.RestaurantId, o.OrderId, o.Amount, o.Earned,
        o.LotId, o.VoidedAmount, o.TakenBack, o.Redeemed, o.Restored, o.Voids, origins);

    static string Reason(string? reason) =>
        !string.IsNullOrWhiteSpace(reason) && reason.Trim().Length <= 500
            ? reason.Trim()
            : throw new InvalidInput("reason", "Give a reason (500 characters at most).");
}
