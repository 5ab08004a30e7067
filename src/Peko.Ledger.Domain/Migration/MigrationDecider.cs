using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Migration;

/// <summary>A member's figures as the last committed export of its restaurant gave them.</summary>
public sealed record MigratedFigures(long Points, decimal? TierSpend);

/// <summary>One migration's commit (or dry run) of a restaurant's export, at a fixed instant so a resumed run decides the same.</summary>
public sealed record MigrateMembers(string MigrationId, string RestaurantId, Chain Chain, DateTimeOffset At);

public enum MemberOutcome { Opened, Adjusted, Unchanged }

/// <summary>What happened to one member: <see cref="PointsChange"/> issued (or taken back); what could not be taken back.</summary>
public sealed record MemberResult(SourceMember Member, string GuestId, MemberOutcome Outcome, long PointsBefore, long PointsChange,
    long Shortfall);

/// <summary>What happened to one group: its guest (new or the earliest ledger guest), merges, members, final tier.</summary>
public sealed record GroupResult(string GuestId, bool Created, int Merged, IReadOnlyList<MemberResult> Members, string Tier);

/// <summary>
/// Migrating members into guests, pure. A group of members that are one guest lands on the earliest created ledger
/// guest holding any of their identifiers (the others merge into it, as at the counter), or on a new guest. Each
/// member then brings the difference between its export and what was last migrated for it: the first time, an
/// opening-balance lot issued by its restaurant and its spend; later, a recorded adjustment of exactly the change.
/// </summary>
public static class MigrationDecider
{
    public static GroupResult MigrateGroup(GuestGroup group, IReadOnlySet<GuestIdentifier> held,
        IReadOnlyDictionary<string, MigratedFigures> before, IGuestWriter guests, MigrateMembers c)
    {
        var first = group.Members[0];
        var guestId = group.IsNew ? MigrationIds.NewGuest(c.MigrationId, first.MemberKey) : group.LedgerGuests[0].GuestId;
        if (group.IsNew)
        {
            guests.AddNew(guestId);
            guests.Guest(guestId, [new GuestRegistered(guestId, c.Chain.Id, c.RestaurantId, c.At)]);
        }
        foreach (var other in group.LedgerGuests.Skip(1))
            guests.Merge(GuestMerger.Merge(MigrationIds.Merge(c.MigrationId, first.MemberKey, other.GuestId), guests[guestId],
                guests[other.GuestId], c.Chain, $"{c.RestaurantId}'s member export (line {first.Line}) names both guests.", c.At),
                guestId, other.GuestId);

        var unheld = group.Members.SelectMany(m => m.Identifiers).Where(i => !held.Contains(i)).Distinct();
        guests.Guest(guestId, unheld.Select(i => new GuestIdentifierLinked(guestId, i.Kind, i.Value, c.RestaurantId, c.At)));
        if (guests[guestId].Profile.Name is null && group.Members.FirstOrDefault(m => !string.IsNullOrWhiteSpace(m.Name)) is { } named)
            guests.Guest(guestId, [new GuestNamed(guestId, named.Name!.Trim(), c.At)]);

        var results = group.Members.Select(m => Migrate(m, before.GetValueOrDefault(m.MemberKey), guestId, guests, c)).ToList();
        if (Retier(guests[guestId], c.Chain, c.At) is { } changed) guests.Membership(guestId, [changed]);
        return new GroupResult(guestId, group.IsNew, Math.Max(0, group.LedgerGuests.Count - 1), results,
            c.Chain.Programme.TierNamed(guests[guestId].Membership.Tier).Name);
    }

    static MemberResult Migrate(SourceMember m, MigratedFigures? before, string guestId, IGuestWriter guests, MigrateMembers c)
    {
        var spendChange = (m.TierSpend ?? 0) - (before?.TierSpend ?? 0);
        if (spendChange != 0)
            guests.Membership(guestId, [new OpeningSpendMigrated(guestId, c.RestaurantId, MigrationIds.Spend(c.MigrationId, m.MemberKey),
                c.MigrationId, m.MemberKey, spendChange, m.LifetimeSpend, SpendDate(m, c))]);
        if (before is null)
        {
            guests.Guest(guestId, [new GuestMemberMigrated(guestId, c.MigrationId, c.RestaurantId, m.MemberKey, m.Line, m.JoinedOn,
                m.LastVisitOn is { } visit ? Noon(visit, c.Chain) : null, c.At)]);
            if (m.Points > 0)
                guests.Points(guestId, [new OpeningBalanceMigrated(guestId, MigrationIds.OpeningLot(c.Chain.Id, c.RestaurantId, m.MemberKey),
                    c.RestaurantId, c.MigrationId, m.MemberKey, m.Points, ExpiresOn(m, c), c.Chain.Programme.PointValue, c.At,
                    c.Chain.ProgrammeVersion)]);
            return new MemberResult(m, guestId, MemberOutcome.Opened, 0, m.Points, 0);
        }

        var change = m.Points - before.Points;
        var reason = $"Migration {c.MigrationId}: {c.RestaurantId}'s export (line {m.Line}) shows {m.Points} points, " +
                     $"the last migrated export {before.Points}.";
        var adjustmentId = MigrationIds.Adjustment(c.MigrationId, m.MemberKey);
        var programme = c.Chain.Programme;
        if (change > 0)
            guests.Points(guestId, [new PointsAdjusted(guestId, adjustmentId, c.RestaurantId, change, reason,
                MigrationIds.AdjustmentLot(c.MigrationId, m.MemberKey), ExpiresOn(m, c), 0, [], c.At, c.Chain.ProgrammeVersion,
                programme.PointValue)]);
        var taken = change < 0 ? TakeBack(guests[guestId].Points, c, -change) : [];
        if (taken.Count > 0)
            guests.Points(guestId, [new PointsAdjusted(guestId, adjustmentId, c.RestaurantId, -taken.Sum(t => t.Points), reason,
                null, null, 0, taken, c.At, c.Chain.ProgrammeVersion, programme.PointValue)]);
        var outcome = change != 0 || spendChange != 0 ? MemberOutcome.Adjusted : MemberOutcome.Unchanged;
        var takenBack = taken.Sum(t => t.Points);
        return new MemberResult(m, guestId, outcome, before.Points, change > 0 ? change : -takenBack, change < 0 ? -change - takenBack : 0);
    }

    /// <summary>
    /// A lower balance in a later export is taken from the open lots its restaurant issued, soonest-expiring first: the
    /// liability it gives back is that restaurant's. What those lots no longer hold (spent in the pooled programme
    /// meanwhile) is not taken from other restaurants' lots but reported as a shortfall.
    /// </summary>
    static List<LotPoints> TakeBack(PointsAccount account, MigrateMembers c, long points)
    {
        var today = c.Chain.LocalDate(c.At);
        var taken = new List<LotPoints>();
        foreach (var lot in account.ConsumptionOrder(l => l.IssuedBy == c.RestaurantId && !l.IsExpired(today)))
        {
            if (points == 0) break;
            var take = Math.Min(points, lot.Remaining);
            taken.Add(new LotPoints(lot.LotId, lot.IssuedBy, take, lot.ExpiresOn, lot.PointValue));
            points -= take;
        }
        return taken;
    }

    /// <summary>A tier change when the spend in the window up to now calls for another tier than the current one.</summary>
    public static TierChanged? Retier(GuestState guest, Chain chain, DateTimeOffset at)
    {
        var spend = guest.Membership.WindowSpend(at, chain.Programme.TierWindowMonths);
        var from = chain.Programme.TierNamed(guest.Membership.Tier).Name;
        var to = chain.Programme.TierFor(spend).Name;
        return from == to ? null : new TierChanged(guest.GuestId, from, to, spend, chain.LocalDate(at));
    }

    static DateOnly ExpiresOn(SourceMember m, MigrateMembers c) =>
        m.PointsExpireOn ?? c.Chain.LocalDate(c.At).AddMonths(c.Chain.Programme.PointsExpireAfterMonths);

    /// <summary>Spend counts at the last visit the POS knew (noon, chain time), never later than the migration.</summary>
    static DateTimeOffset SpendDate(SourceMember m, MigrateMembers c) =>
        m.LastVisitOn is { } visit && Noon(visit, c.Chain) is var at && at < c.At ? at : c.At;

    static DateTimeOffset Noon(DateOnly date, Chain chain)
    {
        var local = date.ToDateTime(new TimeOnly(12, 0));
        return new DateTimeOffset(local, chain.TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
