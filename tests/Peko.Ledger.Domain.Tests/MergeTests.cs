using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

public sealed class MergeTests
{
    static readonly DateTimeOffset Now = CounterScenario.Now;
    static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);
    readonly Chain _chain = CounterScenario.ChainWithThreeRestaurants();

    /// <summary>A guest's streams as lists of events; merges append to them as the store would.</summary>
    sealed class Guest(string id, DateTimeOffset created)
    {
        public string Id { get; } = id;
        public List<object> GuestEvents { get; } = [new GuestRegistered(id, "pho-chain", "d1", created)];
        public List<object> PointsEvents { get; } = [];
        public List<object> MembershipEvents { get; } = [];

        public GuestState State => new(Id, GuestProfile.From(GuestEvents), PointsAccount.From(PointsEvents), MembershipState.From(MembershipEvents));
        public long Balance => State.Points.Balance(Today);

        public Guest Earned(long points, string restaurant, string order, decimal? amount = null)
        {
            PointsEvents.Add(new PointsEarned(Id, $"lot-{Id}-{order}", restaurant, order, amount ?? points * 10_000m, points, 0,
                "Bronze", 1m, Now.AddDays(-30), Now.AddDays(-30), new DateOnly(2027, 3, 1), 1, 1_000m));
            MembershipEvents.Add(new SpendRecorded(Id, restaurant, order, amount ?? points * 10_000m, Now.AddDays(-30)));
            return this;
        }
    }

    void Apply(MergeEvents events, Guest survivor, Guest absorbed)
    {
        survivor.GuestEvents.AddRange(events.SurvivorGuest);
        survivor.PointsEvents.AddRange(events.SurvivorPoints);
        survivor.MembershipEvents.AddRange(events.SurvivorMembership);
        absorbed.GuestEvents.AddRange(events.AbsorbedGuest);
        absorbed.PointsEvents.AddRange(events.AbsorbedPoints);
        absorbed.MembershipEvents.AddRange(events.AbsorbedMembership);
    }

    void Merge(string mergeId, Guest survivor, Guest absorbed) =>
        Apply(GuestMerger.Merge(mergeId, survivor.State, absorbed.State, _chain, "same phone", Now), survivor, absorbed);

    void Undo(string mergeId, Guest survivor, Guest absorbed) =>
        Apply(GuestMerger.Undo(mergeId, survivor.State, absorbed.State, _chain, "wrong match", Now), survivor, absorbed);

    [Fact]
    public void A_merge_moves_every_lot_with_its_issuer_and_expiry_and_preserves_the_sum()
    {
        var linh = new Guest("linh-d1", Now.AddYears(-1)).Earned(120, "d1", "o1");
        var linh2 = new Guest("linh-d2", Now.AddMonths(-6)).Earned(80, "d2", "o2").Earned(30, "d3", "o3");

        Merge("m1", linh, linh2);

        Assert.Equal(230, linh.Balance);
        Assert.Equal(0, linh2.Balance);
        Assert.Equal(["d1", "d2", "d3"], linh.State.Points.Lots.Select(l => l.IssuedBy).Order());
        Assert.All(linh.State.Points.Lots, l => Assert.Equal(new DateOnly(2027, 3, 1), l.ExpiresOn));
        Assert.Equal("linh-d1", linh2.State.Profile.MergedInto);
    }

    [Fact]
    public void The_survivor_tier_is_recomputed_at_once_from_the_combined_spend()
    {
        var a = new Guest("a", Now.AddYears(-1)).Earned(300, "d1", "o1"); // 3,000,000 VND
        var b = new Guest("b", Now.AddMonths(-1)).Earned(250, "d2", "o2"); // 2,500,000 VND

        Merge("m1", a, b);

        var change = Assert.IsType<TierChanged>(Assert.Single(a.MembershipEvents.OfType<TierChanged>()));
        Assert.Equal(("Bronze", "Silver", 5_500_000m), (change.From, change.To, change.WindowSpend));
    }

    [Fact]
    public void Undoing_a_merge_right_away_restores_both_guests_exactly()
    {
        var a = new Guest("a", Now.AddYears(-1)).Earned(300, "d1", "o1");
        var b = new Guest("b", Now.AddMonths(-1)).Earned(250, "d2", "o2");

        Merge("m1", a, b);
        Undo("m1", a, b);

        Assert.Equal((300L, 250L), (a.Balance, b.Balance));
        Assert.Equal(("Bronze", "Bronze"), (Tier(a), Tier(b)));
        Assert.Null(b.State.Profile.MergedInto);
        Assert.True(a.State.Profile.Merges.Single().Undone);
        Assert.Equal(3_000_000m, a.State.Membership.LifetimeSpend);
        Assert.Equal(2_500_000m, b.State.Membership.LifetimeSpend);
    }

    [Fact]
    public void An_undo_gives_back_the_absorbed_lots_less_what_was_spent_from_them_after_the_merge()
    {
        var a = new Guest("a", Now.AddYears(-1)).Earned(100, "d1", "o1");
        var b = new Guest("b", Now.AddMonths(-1)).Earned(50, "d2", "o2");
        Merge("m1", a, b);
        // After the merge, 120 points are spent. Both lots expire the same day and were earned the same day, so the lot
        // id breaks the tie: a's 100 go first, then 20 of b's 50.
        a.PointsEvents.Add(PointsDecider.Redeem(new RedeemPoints("a", "d3", "r1", 120, Now, Now), _chain, a.State.Points));

        Undo("m1", a, b);

        Assert.Equal(0, a.Balance);
        Assert.Equal(30, b.Balance);
        Assert.Equal(150 - 120, a.Balance + b.Balance);
    }

    [Fact]
    public void Undos_compose_with_earlier_merges_in_reverse_order()
    {
        var s = new Guest("s", Now.AddYears(-2)).Earned(10, "d1", "o1");
        var a = new Guest("a", Now.AddYears(-1)).Earned(20, "d2", "o2");
        var b = new Guest("b", Now.AddMonths(-1)).Earned(40, "d3", "o3");
        Merge("m0", a, b); // a absorbs b
        Merge("m1", s, a); // then s absorbs a, and with it b's lot

        Assert.Equal((70L, 0L, 0L), (s.Balance, a.Balance, b.Balance));
        Undo("m1", s, a);
        Assert.Equal((10L, 60L, 0L), (s.Balance, a.Balance, b.Balance));
        Undo("m0", a, b);
        Assert.Equal((10L, 20L, 40L), (s.Balance, a.Balance, b.Balance));
    }

    [Fact]
    public void A_merge_cannot_be_undone_while_its_survivor_is_merged_into_another_guest()
    {
        var s = new Guest("s", Now.AddYears(-2)).Earned(10, "d1", "o1");
        var a = new Guest("a", Now.AddYears(-1)).Earned(20, "d2", "o2");
        var b = new Guest("b", Now.AddMonths(-1)).Earned(40, "d3", "o3");
        Merge("m0", a, b);
        Merge("m1", s, a);

        var refused = Assert.Throws<LedgerRuleViolation>(() => GuestMerger.Undo("m0", a.State, b.State, _chain, "oops", Now));

        Assert.Equal("undo-later-merge-first", refused.Code);
    }

    [Fact]
    public void A_void_after_a_merge_finds_the_absorbed_guests_order_on_the_survivor()
    {
        var a = new Guest("a", Now.AddYears(-1)).Earned(100, "d1", "o1");
        var b = new Guest("b", Now.AddMonths(-1)).Earned(50, "d2", "o2", amount: 500_000m);
        Merge("m1", a, b);

        var (voided, _) = PointsDecider.Void(new VoidOrder("a", "d2", "o2", "v1", null, Now, Now), _chain, a.State.Points);

        Assert.Equal([new LotPoints("lot-b-o2", "d2", 50)], voided.TakenBack);
    }

    [Fact]
    public void Voiding_an_order_that_spent_points_of_a_lot_since_given_back_restores_them_as_a_new_lot_of_the_same_issuer()
    {
        var a = new Guest("a", Now.AddYears(-1));
        var b = new Guest("b", Now.AddMonths(-1)).Earned(50, "d2", "o2");
        Merge("m1", a, b);
        a.PointsEvents.Add(PointsDecider.Redeem(new RedeemPoints("a", "d3", "r1", 40, Now, Now), _chain, a.State.Points));
        Undo("m1", a, b); // b's lot goes home with 10 points left; the 40 stay spent by a

        var (voided, _) = PointsDecider.Void(new VoidOrder("a", "d3", "r1", "v1", null, Now, Now), _chain, a.State.Points);
        a.PointsEvents.Add(voided);

        var restored = Assert.Single(voided.RestoredAsNewLots);
        Assert.Equal(("d2", 40L, new DateOnly(2027, 3, 1)), (restored.IssuedBy, restored.Remaining, restored.ExpiresOn));
        Assert.Equal((40L, 10L), (a.Balance, b.Balance));
    }

    [Fact]
    public void Bad_merges_are_refused()
    {
        var a = new Guest("a", Now.AddYears(-1)).Earned(1, "d1", "o1");
        var b = new Guest("b", Now.AddMonths(-1));
        var c = new Guest("c", Now.AddMonths(-1));

        Assert.Equal("merge-with-itself", Assert.Throws<LedgerRuleViolation>(() => GuestMerger.Merge("m", a.State, a.State, _chain, "x", Now)).Code);
        Assert.Equal("reason", Assert.Throws<InvalidInput>(() => GuestMerger.Merge("m", a.State, b.State, _chain, " ", Now)).Field);
        Merge("m1", a, b);
        Assert.Equal("guest-already-merged", Assert.Throws<LedgerRuleViolation>(() => GuestMerger.Merge("m2", c.State, b.State, _chain, "x", Now)).Code);
        Undo("m1", a, b);
        Assert.Equal("merge-already-undone", Assert.Throws<LedgerRuleViolation>(() => GuestMerger.Undo("m1", a.State, b.State, _chain, "x", Now)).Code);
    }

    string Tier(Guest g) => _chain.Programme.TierNamed(g.State.Membership.Tier).Name;
}
