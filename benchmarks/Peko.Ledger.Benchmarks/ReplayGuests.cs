using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Benchmarks;

/// <summary>One command's events, in the order the service appends them in its one transaction.</summary>
sealed class LedgerCommand(DateTimeOffset now, string actor, string? restaurant = null, string? idempotencyKey = null)
{
    public DateTimeOffset Now { get; } = now;
    public string Actor { get; } = actor;
    public string? Restaurant { get; } = restaurant;
    public string? IdempotencyKey { get; } = idempotencyKey;
    public List<(string StreamId, string Kind, object Event)> Events { get; } = [];
}

/// <summary>
/// The simulated chain's guests, each folded in memory as the counter's GuestStreams folds it (profile, points,
/// membership): every event a command decides is applied to its guest's state as it is added to the command. Also
/// what the nightly jobs would find in the read models: lots by expiry date, and the memberships whose tier may move.
/// </summary>
sealed class ReplayGuests(Random random, int capacity, string baseTier)
{
    readonly List<GuestState> _guests = new(capacity);
    readonly Dictionary<string, GuestState> _byId = new(StringComparer.Ordinal);
    readonly List<int> _tickets = []; // one entry per unit of a guest's visiting frequency
    readonly SortedDictionary<DateOnly, List<(string GuestId, string LotId)>> _due = [];
    readonly HashSet<string> _spendMoved = new(StringComparer.Ordinal);
    readonly HashSet<string> _aboveBase = new(StringComparer.Ordinal);

    public int Registered => _guests.Count;

    public static string IdOf(int index) => $"gst-{index:000000}";

    /// <summary>A distinct, valid Vietnamese mobile per guest (a bijection of the index onto 090xxxxxxx).</summary>
    public static GuestIdentifier PhoneOf(int index) =>
        GuestIdentifier.Phone($"090{(index * 7_919L + 12_345) % 10_000_000:0000000}", "VN");

    public GuestState Register(LedgerCommand command, string chainId, string restaurant, string? name)
    {
        var index = _guests.Count;
        var guest = new GuestState(IdOf(index), new GuestProfile(), new PointsAccount(), new MembershipState());
        _guests.Add(guest);
        _byId[guest.GuestId] = guest;
        // Heavy-tailed visiting frequency: most guests come a few times a year, a few regulars every week.
        var tickets = Math.Min(40, (int)(1 / Math.Pow(1 - random.NextDouble(), 0.8)));
        for (var t = 0; t < tickets; t++) _tickets.Add(index);
        var phone = PhoneOf(index);
        Add(command, guest, new GuestRegistered(guest.GuestId, chainId, restaurant, command.Now));
        Add(command, guest, new GuestIdentifierLinked(guest.GuestId, phone.Kind, phone.Value, restaurant, command.Now));
        if (name is not null) Add(command, guest, new GuestNamed(guest.GuestId, name, command.Now));
        return guest;
    }

    /// <summary>A registered guest, regulars more often; one merged away stands for its survivor, as at the counter.</summary>
    public GuestState PickVisitor() => Follow(_guests[_tickets[random.Next(_tickets.Count)]]);

    public GuestState PickAny() => Follow(_guests[random.Next(_guests.Count)]);

    GuestState Follow(GuestState guest)
    {
        while (guest.Profile.MergedInto is { } survivor) guest = _byId[survivor];
        return guest;
    }

    /// <summary>Adds an event to the guest stream it belongs to and folds it into the guest, as GuestStreams.Add does.</summary>
    public void Add(LedgerCommand command, GuestState guest, object e)
    {
        // Domain.Points.PointsEarned: the benchmarks have a stand-in of that name (PointsEarned.cs).
        var (stream, kind) = e switch
        {
            Domain.Points.PointsEarned or PointsRedeemed or OrderVoided or PointsAdjusted or PointsExpired or PointsMovedIn or PointsMovedOut => (PointsStream(guest.GuestId), "points"),
            SpendRecorded or SpendReversed or SpendMovedIn or SpendMovedOut or TierChanged => (MembershipStream(guest.GuestId), "membership"),
            _ => (GuestStream(guest.GuestId), "guest"),
        };
        command.Events.Add((stream, kind, e));
        guest.Profile.Apply(e);
        guest.Points.Apply(e);
        guest.Membership.Apply(e);
        Track(guest, e);
    }

    void Track(GuestState guest, object e)
    {
        switch (e)
        {
            case Domain.Points.PointsEarned x: Due(x.ExpiresOn, guest.GuestId, x.LotId); break;
            case PointsAdjusted { LotId: { } lot, ExpiresOn: { } on }: Due(on, guest.GuestId, lot); break;
            case OrderVoided x:
                // Points given back to a lot that has already expired are expired again by the next night's job.
                foreach (var r in x.Restored) Due(guest.Points.Lot(r.LotId).ExpiresOn, guest.GuestId, r.LotId);
                foreach (var l in x.RestoredAsNewLots) Due(l.ExpiresOn, guest.GuestId, l.LotId);
                break;
            case SpendRecorded or SpendReversed or SpendMovedIn or SpendMovedOut: _spendMoved.Add(guest.GuestId); break;
            case TierChanged t when t.To == baseTier: _aboveBase.Remove(guest.GuestId); break;
            case TierChanged: _aboveBase.Add(guest.GuestId); break;
            case GuestMergedInto: _aboveBase.Remove(guest.GuestId); _spendMoved.Remove(guest.GuestId); break;
        }
    }

    void Due(DateOnly on, string guestId, string lotId) =>
        (_due.TryGetValue(on, out var lots) ? lots : _due[on] = []).Add((guestId, lotId));

    /// <summary>
    /// What <c>LedgerJobs.ExpirePointsAsync</c> finds: every lot with points left whose expiry date is on or before
    /// <paramref name="asOf"/>, by guest, expiry and lot, with its current holder.
    /// </summary>
    public List<(GuestState Guest, PointsExpired Expired)> DueLots(DateOnly asOf)
    {
        var found = new List<(GuestState, PointsExpired)>();
        while (_due.Count > 0 && _due.First() is { Key: var on } entry && on <= asOf)
        {
            _due.Remove(on);
            foreach (var (guestId, lotId) in entry.Value.Distinct())
            {
                var holder = Follow(_byId[guestId]);
                var lot = holder.Points.Lot(lotId);
                if (lot.Remaining > 0)
                    found.Add((holder, new PointsExpired(holder.GuestId, lot.LotId, lot.IssuedBy, lot.Remaining, lot.ExpiresOn)));
            }
        }
        return [.. found.DistinctBy(f => f.Item2.LotId)
            .OrderBy(f => f.Item1.GuestId, StringComparer.Ordinal).ThenBy(f => f.Item2.ExpiredOn).ThenBy(f => f.Item2.LotId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The memberships whose tier can have moved since the last run: those whose spend changed, and those above the
    /// base tier (their window loses old spend as it slides). A base-tier guest whose spend did not change cannot
    /// rise. Merged-away guests are left out, as the job leaves them out.
    /// </summary>
    public List<GuestState> TierCandidates()
    {
        var ids = _spendMoved.Union(_aboveBase).Order(StringComparer.Ordinal).ToList();
        _spendMoved.Clear();
        return [.. ids.Select(id => _byId[id]).Where(g => g.Profile.MergedInto is null)];
    }

    /// <summary>Points left in lots and owed, over every guest: what the read models must add up to.</summary>
    public (long Remaining, long Deficit) Totals() =>
        (_guests.Sum(g => g.Points.Lots.Sum(l => l.Remaining)), _guests.Sum(g => g.Points.Deficit));
}
