using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

/// <summary>Matching members into guests and deciding what each brings, without a database (issue 8).</summary>
public sealed class MigrationTests
{
    static readonly DateTimeOffset At = CounterScenario.Now;
    static readonly Chains.Chain Chain = CounterScenario.ChainWithThreeRestaurants();
    static readonly MigrateMembers IntoD2 = new("mig_2", "d2", Chain, At);
    static readonly GuestIdentifier PhoneA = GuestIdentifier.Phone("0903 123 482", "VN");
    static readonly GuestIdentifier EmailA = GuestIdentifier.Email("An@Example.com");

    static SourceMember Member(int line, long points, params GuestIdentifier[] ids) =>
        new(line, $"Guest {line}", ids, points, null, null, null, null, null, null);

    static GroupResult Migrate(SourceMember[] members, InMemoryGuests guests, MigrateMembers c,
        Dictionary<GuestIdentifier, LedgerGuest>? holders = null, Dictionary<string, MigratedFigures>? before = null)
    {
        holders ??= [];
        var group = Assert.Single(MemberMatcher.Group(members, holders));
        return MigrationDecider.MigrateGroup(group, holders.Keys.ToHashSet(), before ?? [], guests, c);
    }

    [Fact]
    public void Members_connected_by_any_chain_of_equal_identifiers_are_one_guest_and_names_never_count()
    {
        var pos = GuestIdentifier.PosCustomer("d2", "KH9");
        var groups = MemberMatcher.Group([
            Member(2, 10, PhoneA), Member(3, 20, GuestIdentifier.Phone("0912 000 111", "VN")),
            Member(4, 30, EmailA, pos), Member(5, 40, PhoneA, EmailA)], new Dictionary<GuestIdentifier, LedgerGuest>());

        Assert.Equal([[2, 4, 5], [3]], groups.Select(g => g.Members.Select(m => m.Line).ToArray()));
        Assert.Equal([new MemberMatch(5, IdentifierKind.Phone, 2, null)], groups[0].Matches);
    }

    [Fact]
    public void A_member_naming_two_ledger_guests_brings_both_into_the_group_earliest_created_first()
    {
        var early = new LedgerGuest("g-early", At.AddYears(-2));
        var late = new LedgerGuest("g-late", At.AddYears(-1));
        var group = Assert.Single(MemberMatcher.Group([Member(2, 5, PhoneA, EmailA)],
            new Dictionary<GuestIdentifier, LedgerGuest> { [EmailA] = late, [PhoneA] = early }));
        Assert.Equal([early, late], group.LedgerGuests);
        Assert.Equal(new MemberMatch(2, IdentifierKind.Phone, null, "g-early"), Assert.Single(group.Matches));
    }

    [Fact]
    public void A_new_member_becomes_a_guest_with_an_opening_lot_issued_by_its_restaurant_and_its_spend_and_tier()
    {
        var guests = new InMemoryGuests();
        var member = Member(2, 1_250, PhoneA, EmailA) with { LifetimeSpend = 6_000_000m, LastVisitOn = new DateOnly(2026, 5, 1) };
        var result = Migrate([member], guests, IntoD2);

        var guestId = MigrationIds.NewGuest("mig_2", member.MemberKey);
        Assert.Equal((guestId, true, "Silver"), (result.GuestId, result.Created, result.Tier));
        Assert.Equal([typeof(GuestRegistered), typeof(GuestIdentifierLinked), typeof(GuestIdentifierLinked), typeof(GuestNamed),
            typeof(OpeningSpendMigrated), typeof(GuestMemberMigrated), typeof(OpeningBalanceMigrated), typeof(TierChanged)],
            guests.Written.Select(w => w.Event.GetType()));
        var lot = Assert.Single(guests[guestId].Points.Lots);
        Assert.Equal((MigrationIds.OpeningLot("pho-chain", "d2", member.MemberKey), "d2", 1_250L, new DateOnly(2028, 6, 15)),
            (lot.LotId, lot.IssuedBy, lot.Remaining, lot.ExpiresOn));
        Assert.Equal(1_250, guests[guestId].Points.Spendable(At, Chain.LocalDate(At)));
        Assert.Equal(6_000_000m, guests[guestId].Membership.WindowSpend(At, 12));
    }

    [Fact]
    public void A_member_of_a_second_restaurant_adds_its_lot_to_the_guest_each_lot_keeping_its_issuer()
    {
        var guests = new InMemoryGuests();
        var fromD1 = Migrate([Member(2, 100, PhoneA)], guests, new MigrateMembers("mig_1", "d1", Chain, At));
        var holders = new Dictionary<GuestIdentifier, LedgerGuest> { [PhoneA] = new(fromD1.GuestId, At) };

        var fromD2 = Migrate([Member(7, 40, PhoneA, EmailA) with { PointsExpireOn = new DateOnly(2027, 1, 31) }], guests, IntoD2, holders);

        Assert.Equal((fromD1.GuestId, false), (fromD2.GuestId, fromD2.Created));
        Assert.Equal([("d1", 100L, new DateOnly(2028, 6, 15)), ("d2", 40L, new DateOnly(2027, 1, 31))],
            guests[fromD1.GuestId].Points.Lots.Select(l => (l.IssuedBy, l.Remaining, l.ExpiresOn)).OrderBy(l => l.IssuedBy));
        Assert.Equal(EmailA, Assert.Single(guests.Events<GuestIdentifierLinked>().Skip(1)) is var e ? new GuestIdentifier(e.Kind, e.Value) : null);
    }

    [Fact]
    public void A_later_export_brings_only_the_difference_as_a_recorded_adjustment_of_its_restaurant()
    {
        var guests = new InMemoryGuests();
        var first = Migrate([Member(2, 100, PhoneA)], guests, IntoD2);
        var holders = new Dictionary<GuestIdentifier, LedgerGuest> { [PhoneA] = new(first.GuestId, At) };
        var member = Member(2, 100, PhoneA);
        var before = new Dictionary<string, MigratedFigures> { [member.MemberKey] = new(100, null) };
        var written = guests.Written.Count;

        var same = Migrate([member], guests, IntoD2 with { MigrationId = "mig_3" }, holders, before);
        Assert.Equal((MemberOutcome.Unchanged, written), (same.Members[0].Outcome, guests.Written.Count));

        var more = Migrate([member with { Points = 160 }], guests, IntoD2 with { MigrationId = "mig_4" }, holders, before);
        var adjusted = Assert.IsType<PointsAdjusted>(guests.Written[^1].Event);
        Assert.Equal((60L, "d2", MigrationIds.Adjustment("mig_4", member.MemberKey)), (adjusted.Points, adjusted.RestaurantId, adjusted.AdjustmentId));
        Assert.Equal((MemberOutcome.Adjusted, 100L, 60L), (more.Members[0].Outcome, more.Members[0].PointsBefore, more.Members[0].PointsChange));
        Assert.Equal(160, guests[first.GuestId].Points.Balance(Chain.LocalDate(At)));
    }

    [Fact]
    public void A_lower_balance_is_taken_from_its_restaurants_lots_only_and_what_was_spent_meanwhile_is_a_shortfall()
    {
        var guests = new InMemoryGuests();
        var first = Migrate([Member(2, 100, PhoneA)], guests, IntoD2);
        var lot = guests[first.GuestId].Points.Lots.Single();
        guests.Points(first.GuestId, [
            new PointsAdjusted(first.GuestId, "adj-d1", "d1", 500, "goodwill", "lot-d1", new DateOnly(2027, 1, 1), 0, [], At, 1, 1_000m),
            new PointsRedeemed(first.GuestId, "d3", "o1", 70, 70_000m, [new LotPoints(lot.LotId, "d2", 70)], At, 1)]);
        var member = Member(2, 10, PhoneA);

        var result = Migrate([member], guests, IntoD2 with { MigrationId = "mig_5" },
            new() { [PhoneA] = new(first.GuestId, At) }, new() { [member.MemberKey] = new(100, null) });

        var taken = Assert.IsType<PointsAdjusted>(guests.Written[^1].Event);
        Assert.Equal(-30L, taken.Points);
        Assert.Equal([new LotPoints(lot.LotId, "d2", 30, lot.ExpiresOn, 1_000m)], taken.TakenFrom);
        Assert.Equal((-30L, 60L), (result.Members[0].PointsChange, result.Members[0].Shortfall));
        Assert.Equal(500, guests[first.GuestId].Points.Balance(Chain.LocalDate(At))); // d1's lot is untouched
    }

    [Fact]
    public void Two_ledger_guests_one_member_names_are_merged_into_the_earliest_as_at_the_counter()
    {
        var guests = new InMemoryGuests()
            .With("g-early", new GuestRegistered("g-early", "pho-chain", "d1", At.AddYears(-2)),
                new PointsEarned("g-early", "lot-1", "d1", "o1", 100_000m, 10, 0, "Bronze", 1m, At.AddDays(-3), At.AddDays(-3), new DateOnly(2028, 1, 1), 1, 1_000m))
            .With("g-late", new GuestRegistered("g-late", "pho-chain", "d3", At.AddYears(-1)));
        var holders = new Dictionary<GuestIdentifier, LedgerGuest>
            { [PhoneA] = new("g-late", At.AddYears(-1)), [EmailA] = new("g-early", At.AddYears(-2)) };

        var result = Migrate([Member(4, 25, PhoneA, EmailA)], guests, IntoD2, holders);

        Assert.Equal(("g-early", 1), (result.GuestId, result.Merged));
        Assert.Equal("g-early", guests["g-late"].Profile.MergedInto);
        Assert.Equal(35, guests["g-early"].Points.Balance(Chain.LocalDate(At)));
        Assert.Empty(guests.Events<GuestIdentifierLinked>());
    }
}
