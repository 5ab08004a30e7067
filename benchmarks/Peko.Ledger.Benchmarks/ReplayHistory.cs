using Peko.Ledger.Api.Features.Jobs;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// About a year of one VND chain's counter, every event decided by the pure domain (ChainDecider, PointsDecider,
/// GuestMerger, AccountingDecider, and the nightly jobs' rules) over guests folded in memory: registrations at a first
/// visit, earns, redeems, whole and partial voids, adjustments, a few merges, nightly expiry and tier recompute, month
/// closes. Deterministic for a seed. Commands are produced lazily, so memory holds the guests, not the history.
/// </summary>
sealed class ReplayHistory
{
    public const string ChainId = "replay-chain";
    static readonly DateOnly FirstDay = new(2026, 1, 1);
    static readonly string[] Restaurants = ["q1-dong-khoi", "q3-vo-van-tan", "q7-phu-my-hung", "thao-dien", "go-vap"];
    static readonly string[] FamilyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"];
    static readonly string[] GivenNames = ["Lan", "Minh", "Hùng", "Thảo", "Anh", "Dũng", "Hương", "Tuấn", "Linh", "Quang", "Mai", "Khoa"];

    // The tests' programme (Bronze / Silver 5,000,000 / Gold 12,500,000 VND over 12 months), with points expiring after
    // 6 months instead of 24, so that a one-year history has lots for the nightly expiry to expire.
    static readonly Programme Programme = Programme.Default with { PointsExpireAfterMonths = 6 };

    readonly long _target;
    readonly int _guestCount;
    readonly Random _random;
    readonly ReplayGuests _guests;
    readonly Dictionary<string, (string Restaurant, string Order, DateOnly Day)> _lastOrder = new(StringComparer.Ordinal);
    Chain _chain = null!;
    AccountingBooks _books = AccountingBooks.Initial;
    long _emitted, _setupEvents, _visits, _ids;

    public ReplayHistory(long events, int guests, int seed)
    {
        (_target, _guestCount, _random) = (events, guests, new Random(seed));
        _guests = new ReplayGuests(_random, guests, Programme.Tiers[0].Name);
    }

    public int GuestsRegistered => _guests.Registered;
    public long Visits => _visits;
    public (long Remaining, long Deficit) Totals() => _guests.Totals();

    /// <summary>The commands in log order; stops after the one that reaches the target number of events.</summary>
    public IEnumerable<LedgerCommand> Commands()
    {
        foreach (var command in ChainSetup()) yield return Emitted(command);
        _setupEvents = _emitted;
        for (var day = 0; _emitted < _target; day++)
        {
            var today = FirstDay.AddDays(day);
            foreach (var command in Nightly(today)) yield return Emitted(command);
            if (today.Day == 2) yield return Emitted(CloseMonth(today));
            var visits = PlannedVisits(day, today);
            var times = Enumerable.Range(0, visits).Select(_ => _random.Next(12 * 3600)).Order().ToList();
            foreach (var second in times)
            {
                if (_emitted >= _target) yield break;
                foreach (var command in Visit(At(today, new TimeOnly(10, 0).Add(TimeSpan.FromSeconds(second))), today, day, visits))
                    yield return Emitted(command);
            }
        }
    }

    LedgerCommand Emitted(LedgerCommand command)
    {
        _emitted += command.Events.Count;
        return command;
    }

    IEnumerable<LedgerCommand> ChainSetup()
    {
        var at = new DateTimeOffset(2025, 12, 20, 2, 0, 0, TimeSpan.Zero);
        var created = ChainDecider.Create(new CreateChain(ChainId, "Phở Replay", "VND", "Asia/Ho_Chi_Minh", "VN", Programme, at));
        _chain = Chain.Evolve(null, created);
        yield return ChainCommand(at, created);
        foreach (var (id, i) in Restaurants.Select((r, i) => (r, i)))
        {
            var added = ChainDecider.AddRestaurant(_chain, id, $"Phở Replay {id}", i % 2 == 0 ? "kiotviet" : "ipos", at.AddMinutes(i + 1));
            _chain = Chain.Evolve(_chain, added);
            yield return ChainCommand(added.AddedAt, added);
        }
        var settings = AccountingDecider.ChangeSettings(_chain, AccountingBooks.Reserve, 0.8m, at.AddMinutes(10));
        _books = AccountingBooks.Evolve(_books, settings);
        yield return AccountingCommand(settings.ChangedAt, settings);
    }

    LedgerCommand ChainCommand(DateTimeOffset at, object e)
    {
        var command = new LedgerCommand(at, "key-admin");
        command.Events.Add((Chain.StreamId(ChainId), "chain", e));
        return command;
    }

    LedgerCommand AccountingCommand(DateTimeOffset at, object e)
    {
        var command = new LedgerCommand(at, "key-accountant");
        command.Events.Add((AccountingBooks.StreamId(ChainId), "accounting", e));
        return command;
    }

    /// <summary>The scheduler's nightly jobs, in its order: points expiry, then tier recompute, both as of today.</summary>
    IEnumerable<LedgerCommand> Nightly(DateOnly today)
    {
        var expiry = new LedgerCommand(At(today, new TimeOnly(0, 5)), "job:points");
        foreach (var (guest, expired) in _guests.DueLots(today)) _guests.Add(expiry, guest, expired);
        if (expiry.Events.Count > 0) yield return expiry;

        var tiers = new LedgerCommand(At(today, new TimeOnly(0, 10)), "job:membership");
        var (_, to) = LedgerJobs.Window(_chain, today);
        foreach (var guest in _guests.TierCandidates())
        {
            var spend = guest.Membership.WindowSpend(to, Programme.TierWindowMonths);
            var (from, target) = (Programme.TierNamed(guest.Membership.Tier).Name, Programme.TierFor(spend).Name);
            if (from != target) _guests.Add(tiers, guest, new TierChanged(guest.GuestId, from, target, spend, today));
        }
        if (tiers.Events.Count > 0) yield return tiers;
    }

    /// <summary>On the 2nd, the accountant closes the month before (the first close may be any ended month).</summary>
    LedgerCommand CloseMonth(DateOnly today)
    {
        var closed = AccountingDecider.Close(_books, _chain, AccountingMonth.Of(today).Previous, At(today, new TimeOnly(9, 0)));
        _books = AccountingBooks.Evolve(_books, closed);
        return AccountingCommand(closed.ClosedAt, closed);
    }

    /// <summary>Today's share of the events still to make, over the days left of the year (more at weekends).</summary>
    int PlannedVisits(int day, DateOnly today)
    {
        var perVisit = _visits > 1_000 ? (double)(_emitted - _setupEvents) / _visits : 2.6;
        var perDay = (_target - _emitted) / perVisit / Math.Max(1, 365 - day);
        var weekend = today.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.3 : 0.8;
        return Math.Max(1, (int)Math.Round(perDay * weekend * (0.9 + 0.2 * _random.NextDouble())));
    }

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

        var roll = _random.NextDouble();
        if (roll < 0.005 && Void(guest, restaurant, order, whole: true, at.AddMinutes(3)) is { } mistake) commands.Add(mistake);
        else if (roll < 0.010 && Adjust(guest, restaurant, _random.Next(20, 200), "goodwill: the kitchen was slow", at.AddMinutes(5)) is { } up) commands.Add(up);
        else if (roll < 0.012 && Adjust(guest, restaurant, -_random.Next(10, 50), "correction: order entered twice", at.AddMinutes(5)) is { } down) commands.Add(down);
        else if (roll < 0.0126 && _guests.Registered > 100 && Merge(guest, _guests.PickAny(), at.AddMinutes(7)) is { } merge) commands.Add(merge);
        return commands;
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

    string Name() => $"{FamilyNames[_random.Next(FamilyNames.Length)]} {GivenNames[_random.Next(GivenNames.Length)]}";

    DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        return new DateTimeOffset(local, _chain.TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
