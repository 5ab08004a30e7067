using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;

namespace Peko.Ledger.Domain.Points;

/// <summary>The counter's rules: commands in, events out. Pure; tested without a database.</summary>
public static class PointsDecider
{
    /// <summary>How far ahead of the server's clock a POS may date an order (till clocks drift).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static (PointsEarned Earned, SpendRecorded Spend) Earn(EarnPoints c, Chain chain, PointsAccount account,
        MembershipState membership)
    {
        chain.Currency.ValidAmount(c.Amount);
        RequireNotFuture(c.OccurredAt, c.Now);
        if (account.Orders.TryGetValue((c.RestaurantId, c.OrderId), out var order) && order.LotId is not null)
            throw new LedgerRuleViolation("order-already-earned", $"Order '{c.OrderId}' already earned points.");

        var programme = chain.Programme;
        var tier = programme.TierNamed(membership.Tier);
        var points = (long)decimal.Floor(c.Amount / programme.SpendPerPoint * tier.EarnMultiplier);
        var earned = new PointsEarned(c.GuestId, c.LotId, c.RestaurantId, c.OrderId, c.Amount, points,
            DeficitRepaid: Math.Min(account.Deficit, points), tier.Name, tier.EarnMultiplier, c.OccurredAt,
            SpendableFrom: c.OccurredAt.AddDays(programme.PointsPendingDays),
            ExpiresOn: chain.LocalDate(c.OccurredAt).AddMonths(programme.PointsExpireAfterMonths),
            chain.ProgrammeVersion, programme.PointValue);
        return (earned, new SpendRecorded(c.GuestId, c.RestaurantId, c.OrderId, c.Amount, c.OccurredAt));
    }

    public static PointsRedeemed Redeem(RedeemPoints c, Chain chain, PointsAccount account)
    {
        if (c.Points <= 0) throw new InvalidInput("points", "Redeem a whole number of points greater than zero.");
        RequireNotFuture(c.OccurredAt, c.Now);
        var today = chain.LocalDate(c.Now);
        var spendable = account.Spendable(c.Now, today);
        if (spendable < c.Points)
            throw new LedgerRuleViolation("insufficient-points",
                $"{c.Points} points were asked for but only {spendable} are spendable.");

        var lots = Take(account.ConsumptionOrder(l => l.IsSpendable(c.Now, today)), c.Points);
        return new PointsRedeemed(c.GuestId, c.RestaurantId, c.OrderId, c.Points,
            chain.Currency.Round(c.Points * chain.Programme.PointValue), lots, c.OccurredAt, chain.ProgrammeVersion);
    }

    public static (OrderVoided Voided, SpendReversed? Spend) Void(VoidOrder c, Chain chain, PointsAccount account)
    {
        RequireNotFuture(c.OccurredAt, c.Now);
        if (!account.Orders.TryGetValue((c.RestaurantId, c.OrderId), out var order))
            throw new LedgerRuleViolation("order-not-found", $"Order '{c.OrderId}' earned or redeemed nothing here.");
        var amount = VoidAmount(c, chain, order);

        // Proration is cumulative, so several partial refunds take back exactly what one refund of their sum would.
        var fraction = order.Amount is { } total ? (order.VoidedAmount + amount) / total : 1m;
        var redeemed = order.Redeemed.Sum(r => r.Points);
        var restore = (long)decimal.Floor(redeemed * fraction) - order.Restored;
        var takeBack = (long)decimal.Floor(order.Earned * fraction) - order.TakenBack;

        var remaining = account.Lots.ToDictionary(l => l.LotId, l => l.Remaining, StringComparer.Ordinal);
        var giveBack = RestoreNewestFirst(order, restore);
        var restored = giveBack.Where(r => remaining.ContainsKey(r.LotId)).ToList();
        foreach (var r in restored) remaining[r.LotId] += r.Points;
        var asNewLots = giveBack.Where(r => !remaining.ContainsKey(r.LotId))
            .Select(r => new MovedLot($"{r.LotId}~{c.VoidId}", r.IssuedBy, null, r.Points, r.Points, c.OccurredAt, c.OccurredAt,
                r.ExpiresOn ?? chain.LocalDate(c.Now).AddMonths(chain.Programme.PointsExpireAfterMonths),
                r.PointValue ?? chain.Programme.PointValue, []))
            .ToList();

        // Take back from the order's own lot first, then from other open lots; what is left was already spent.
        var today = chain.LocalDate(c.Now);
        var candidates = account.Lots.Where(l => l.LotId == order.LotId).ToList();
        candidates.AddRange(account.ConsumptionOrder(l => l.LotId != order.LotId && !l.IsExpired(today)));
        var takenBack = new List<LotPoints>();
        foreach (var lot in candidates)
        {
            if (takeBack == 0) break;
            var take = Math.Min(takeBack, remaining.GetValueOrDefault(lot.LotId));
            if (take <= 0) continue;
            takenBack.Add(new LotPoints(lot.LotId, lot.IssuedBy, take));
            remaining[lot.LotId] -= take;
            takeBack -= take;
        }

        var voided = new OrderVoided(c.GuestId, c.RestaurantId, c.OrderId, c.VoidId, amount, order.Amount, restored,
            takenBack, Shortfall: takeBack, c.OccurredAt) { RestoredAsNewLots = asNewLots };
        var spend = amount > 0 ? new SpendReversed(c.GuestId, c.RestaurantId, c.OrderId, amount, c.OccurredAt) : null;
        return (voided, spend);
    }

    public static PointsAdjusted Adjust(AdjustPoints c, Chain chain, PointsAccount account)
    {
        if (c.Points == 0) throw new InvalidInput("points", "An adjustment moves at least one point, up or down.");
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > 500)
            throw new InvalidInput("reason", "Give a reason (500 characters at most).");
        var today = chain.LocalDate(c.Now);
        var programme = chain.Programme;
        if (c.Points > 0)
        {
            var repaid = Math.Min(account.Deficit, c.Points);
            return new PointsAdjusted(c.GuestId, c.AdjustmentId, c.RestaurantId, c.Points, c.Reason.Trim(),
                c.Points > repaid ? c.LotId : null, today.AddMonths(programme.PointsExpireAfterMonths), repaid, [],
                c.Now, chain.ProgrammeVersion, programme.PointValue);
        }

        var available = account.Balance(today);
        if (available < -c.Points)
            throw new LedgerRuleViolation("insufficient-points", $"Only {Math.Max(0, available)} points can be taken off.");
        var taken = Take(account.ConsumptionOrder(l => !l.IsExpired(today)), -c.Points);
        return new PointsAdjusted(c.GuestId, c.AdjustmentId, c.RestaurantId, c.Points, c.Reason.Trim(), null, null, 0,
            taken, c.Now, chain.ProgrammeVersion, programme.PointValue);
    }

    static decimal VoidAmount(VoidOrder c, Chain chain, OrderPoints order)
    {
        if (order.Amount is not { } total)
        {
            // A redeem-only order: the POS never told us its amount, so only a whole void can be reckoned.
            if (c.Amount is not null)
                throw new LedgerRuleViolation("order-amount-unknown", "This order only redeemed points: void it whole.");
            if (order.Voids > 0) throw new LedgerRuleViolation("order-already-voided", "This order is already voided.");
            return 0;
        }
        var left = total - order.VoidedAmount;
        if (left <= 0) throw new LedgerRuleViolation("order-already-voided", "This order is already voided in full.");
        var amount = c.Amount ?? left;
        chain.Currency.ValidAmount(amount);
        return amount <= left
            ? amount
            : throw new LedgerRuleViolation("void-exceeds-order", $"Only {left} of this order is left to void.");
    }

    /// <summary>The order's redeemed points go back to their original lots, last taken first.</summary>
    static List<LotPoints> RestoreNewestFirst(OrderPoints order, long points)
    {
        var skip = order.Restored;
        var restored = new List<LotPoints>();
        foreach (var taken in order.Redeemed.Reverse())
        {
            var available = taken.Points - Math.Min(skip, taken.Points);
            skip -= taken.Points - available;
            var give = Math.Min(available, points);
            if (give > 0) restored.Add(taken with { Points = give });
            points -= give;
        }
        return restored;
    }

    static List<LotPoints> Take(IEnumerable<PointsLot> lotsInOrder, long points)
    {
        var taken = new List<LotPoints>();
        foreach (var lot in lotsInOrder)
        {
            if (points == 0) break;
            var take = Math.Min(points, lot.Remaining);
            taken.Add(new LotPoints(lot.LotId, lot.IssuedBy, take, lot.ExpiresOn, lot.PointValue));
            points -= take;
        }
        return taken;
    }

    /// <summary>A till's clock may run a little fast (<see cref="ClockSkew"/>), never a day.</summary>
    public static void RequireNotFuture(DateTimeOffset occurredAt, DateTimeOffset now)
    {
        if (occurredAt > now + ClockSkew)
            throw new InvalidInput("occurredAt", "occurredAt is in the future; check the till's clock.");
    }
}
