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
sealed partial class ReplayHistory
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

    string Name() => $"{FamilyNames[_random.Next(FamilyNames.Length)]} {GivenNames[_random.Next(GivenNames.Length)]}";

    DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        return new DateTimeOffset(local, _chain.TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
