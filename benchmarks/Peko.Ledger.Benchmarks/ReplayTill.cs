using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Benchmarks;

/// <summary>The counter's side of the simulated year: what one guest's visit decides.</summary>
sealed partial class ReplayHistory
{
    /// <summary>One guest at the till: maybe a redeem on the bill, the earn, and now and then a void, an adjustment or a merge.</summary>
    List<LedgerCommand> Visit(DateTimeOffset at, DateOnly today, int day, int visitsToday)
    {
        _visits++;
        var commands = new List<LedgerCommand>();
        var restaurant = Restaurants[_random.Next(Restaurants.Length)];
        var order = $"o{++_ids:00000000}";
        var amount = Bill();
        var earn = new LedgerCommand(at.AddSeconds(2), $"key-counter-{restaurant}", restaurant, $"earn:{restaurant}:{order}");
        // New guests arrive so that all have come by about the ninth month.
        var unregistered = _guestCount - _guests.Registered;
        var isNew = unregistered > 0 && (_guests.Registered == 0
                                         || _random.NextDouble() < (double)unregistered / (visitsToday * Math.Max(1, 270 - day)));
        GuestState guest;
        if (isNew)
            guest = _guests.Register(earn, ChainId, restaurant, _random.NextDouble() < 0.4 ? Name() : null);
        else
        {
            guest = _guests.PickVisitor();
            if (Redeem(guest, restaurant, order, amount, at, today) is { } redeem) commands.Add(redeem);
            // A recent order refunded in part or voided (after a redeem of everything, its points are owed).
            if (_lastOrder.GetValueOrDefault(guest.GuestId) is { Order: not null } last && today.DayNumber - last.Day.DayNumber <= 14
                && _random.NextDouble() < 0.04
                && Void(guest, last.Restaurant, last.Order, whole: _random.NextDouble() < 0.5, at.AddSeconds(1)) is { } refund)
                commands.Add(refund);
        }
        var (earned, spend) = PointsDecider.Earn(new EarnPoints(guest.GuestId, $"lot-{order}", restaurant, order, amount,
            at.AddSeconds(2), at.AddSeconds(2)), _chain, guest.Points, guest.Membership);
        _guests.Add(earn, guest, earned);
        _guests.Add(earn, guest, spend);
        commands.Add(earn);
        _lastOrder[guest.GuestId] = (restaurant, order, today);

        if (Afterwards(guest, restaurant, order, at) is { } afterwards) commands.Add(afterwards);
        return commands;
    }

    /// <summary>Now and then, after the earn: a void of it at once, an adjustment up or down, or a merge.</summary>
    LedgerCommand? Afterwards(GuestState guest, string restaurant, string order, DateTimeOffset at)
    {
        // One roll; what the domain refuses (taking off more points than are left) falls through to the next.
        var roll = _random.NextDouble();
        if (roll < 0.005 && Void(guest, restaurant, order, whole: true, at.AddMinutes(3)) is { } mistake) return mistake;
        if (roll < 0.010 && Adjust(guest, restaurant, _random.Next(20, 200), "goodwill: the kitchen was slow", at.AddMinutes(5)) is { } up) return up;
        if (roll < 0.012 && Adjust(guest, restaurant, -_random.Next(10, 50), "correction: order entered twice", at.AddMinutes(5)) is { } down) return down;
        return roll < 0.0126 && _guests.Registered > 100 ? Merge(guest, _guests.PickAny(), at.AddMinutes(7)) : null;
    }

    LedgerCommand? Redeem(GuestState guest, string restaurant, string order, decimal amount, DateTimeOffset at, DateOnly today)
    {
        var spendable = guest.Points.Spendable(at, today);
        if (spendable < 100 || _random.NextDouble() >= 0.3) return null;
        // A quarter of redeems spend everything: a later void of an earlier order then finds its points spent and
        // leaves the guest owing them (a shortfall, which later earns repay).
        var points = _random.NextDouble() < 0.25 ? spendable
            : Math.Min(spendable, Math.Max(50, (long)(amount / 2 / Programme.PointValue))) / 10 * 10;
        var command = new LedgerCommand(at, $"key-counter-{restaurant}", restaurant, $"redeem:{restaurant}:{order}");
        _guests.Add(command, guest, PointsDecider.Redeem(new RedeemPoints(guest.GuestId, restaurant, order, points, at, at), _chain, guest.Points));
        return command;
    }

    /// <summary>A void, or a partial refund of 10-60 % of what is left of the order; null when the domain refuses it.</summary>
    LedgerCommand? Void(GuestState guest, string restaurant, string order, bool whole, DateTimeOffset at)
    {
        var voidId = $"void-{++_ids:00000000}";
        var left = guest.Points.Orders.TryGetValue((restaurant, order), out var o) && o.Amount is { } total ? total - o.VoidedAmount : 0;
        decimal? amount = whole ? null : decimal.Floor(left * (decimal)(0.1 + 0.5 * _random.NextDouble()) / 1_000) * 1_000;
        if (amount <= 0) amount = null;
        try
        {
            var (voided, spend) = PointsDecider.Void(new VoidOrder(guest.GuestId, restaurant, order, voidId, amount, at, at), _chain, guest.Points);
            var command = new LedgerCommand(at, $"key-counter-{restaurant}", restaurant, $"void:{restaurant}:{order}:{voidId}");
            _guests.Add(command, guest, voided);
            if (spend is not null) _guests.Add(command, guest, spend);
            return command;
        }
        catch (LedgerRuleViolation)
        {
            return null; // already voided in full: the till would have been told so
        }
    }

    LedgerCommand? Adjust(GuestState guest, string restaurant, long points, string reason, DateTimeOffset at)
    {
        var id = $"adj-{++_ids:00000000}";
        try
        {
            var adjusted = PointsDecider.Adjust(new AdjustPoints(guest.GuestId, id, $"lot-{id}", restaurant, points, reason, at), _chain, guest.Points);
            var command = new LedgerCommand(at, $"key-manager-{restaurant}", restaurant, $"adjust:{guest.GuestId}:{id}");
            _guests.Add(command, guest, adjusted);
            return command;
        }
        catch (LedgerRuleViolation)
        {
            return null; // not enough points to take off
        }
    }

    /// <summary>An admin's merge of two guests found to be one person: the one created first absorbs the other.</summary>
    LedgerCommand? Merge(GuestState a, GuestState b, DateTimeOffset at)
    {
        if (a.GuestId == b.GuestId) return null;
        var (survivor, absorbed) = string.CompareOrdinal(a.GuestId, b.GuestId) < 0 ? (a, b) : (b, a);
        var merge = GuestMerger.Merge($"mrg-{++_ids:00000000}", survivor, absorbed, _chain, "Same person: phone and email of one guest.", at);
        var command = new LedgerCommand(at, "key-admin");
        foreach (var (guest, events) in new[] { (survivor, merge.SurvivorGuest), (survivor, merge.SurvivorPoints),
                     (survivor, merge.SurvivorMembership), (absorbed, merge.AbsorbedGuest), (absorbed, merge.AbsorbedPoints),
                     (absorbed, merge.AbsorbedMembership) })
            foreach (var e in events) _guests.Add(command, guest, e);
        return command;
    }

    /// <summary>A restaurant bill: log-normal around 300,000 VND, in thousands, 30,000 to 5,000,000.</summary>
    decimal Bill()
    {
        var normal = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        return Math.Clamp(Math.Round((decimal)(300 * Math.Exp(0.55 * normal))) * 1_000, 30_000, 5_000_000);
    }
}
