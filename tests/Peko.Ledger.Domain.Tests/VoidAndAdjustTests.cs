using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using static Peko.Ledger.Domain.Tests.CounterScenario;

namespace Peko.Ledger.Domain.Tests;

public sealed class VoidAndAdjustTests
{
    static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    [Fact]
    public void A_full_void_takes_back_the_points_the_order_earned_and_its_spend() =>
        Given(Earned(100, order: "o1", amount: 1_000_000m), Spent(1_000_000m))
            .When(Void())
            .Then(
                new OrderVoided(Guest, "d1", "o1", "v1", 1_000_000m, 1_000_000m, [], [new LotPoints("lot-o1", "d1", 100)], 0, Now),
                new SpendReversed(Guest, "d1", "o1", 1_000_000m, Now));

    [Fact]
    public void A_partial_void_takes_back_prorated_points_rounded_down() =>
        Given(Earned(15, order: "o1", amount: 150_000m), Spent(150_000m))
            .When(Void(amount: 55_000m))
            .Then(
                new OrderVoided(Guest, "d1", "o1", "v1", 55_000m, 150_000m, [], [new LotPoints("lot-o1", "d1", 5)], 0, Now),
                new SpendReversed(Guest, "d1", "o1", 55_000m, Now));

    [Fact]
    public void Partial_voids_add_up_to_exactly_what_the_order_earned()
    {
        var first = Given(Earned(15, order: "o1", amount: 150_000m)).When(Void(amount: 55_000m)).Events();
        var second = Given([Earned(15, order: "o1", amount: 150_000m), .. first]).When(Void(amount: 95_000m, voidId: "v2")).Events();

        var taken = new[] { first[0], second[0] }.Cast<OrderVoided>().Sum(v => v.TakenBack.Sum(t => t.Points));
        Assert.Equal(15, taken);
        Given([Earned(15, order: "o1", amount: 150_000m), .. first, .. second]).When(Void(voidId: "v3")).ThenFails("order-already-voided");
    }

    [Fact]
    public void A_void_restores_redeemed_points_to_their_original_lots_with_their_expiry()
    {
        var expiry = new DateOnly(2026, 12, 31);
        var account = Given(
                Earned(100, restaurant: "d3", order: "o0", expiresOn: expiry),
                new PointsRedeemed(Guest, "d1", "o1", 40, 40_000m, [new LotPoints("lot-o0", "d3", 40)], Now, 1),
                Earned(20, order: "o1", amount: 200_000m))
            .When(Void())
            .ThenAccount();

        var lot = account.Lot("lot-o0");
        Assert.Equal(100, lot.Remaining);
        Assert.Equal(expiry, lot.ExpiresOn);
        Assert.Equal(100, account.Balance(Today));
    }

    [Fact]
    public void Points_already_spent_become_a_negative_balance()
    {
        var events = Given(
                Earned(100, order: "o1"),
                new PointsRedeemed(Guest, "d2", "r1", 100, 100_000m, [new LotPoints("lot-o1", "d1", 100)], Now, 1))
            .When(Void())
            .Events();

        Assert.Equal(100, ((OrderVoided)events[0]).Shortfall);
        var account = PointsAccount.From([Earned(100, order: "o1"),
            new PointsRedeemed(Guest, "d2", "r1", 100, 100_000m, [new LotPoints("lot-o1", "d1", 100)], Now, 1), .. events]);
        Assert.Equal(-100, account.Balance(Today));
    }

    [Fact]
    public void A_void_takes_the_shortfall_from_other_open_lots_before_owing() =>
        Given(
                Earned(50, order: "o1"),
                Earned(80, restaurant: "d2", order: "o2", expiresOn: new DateOnly(2027, 1, 1)),
                new PointsRedeemed(Guest, "d2", "r1", 50, 50_000m, [new LotPoints("lot-o1", "d1", 50)], Now, 1))
            .When(Void())
            .Then(
                new OrderVoided(Guest, "d1", "o1", "v1", 500_000m, 500_000m, [], [new LotPoints("lot-o2", "d2", 50)], 0, Now),
                new SpendReversed(Guest, "d1", "o1", 500_000m, Now));

    [Fact]
    public void A_void_of_an_unknown_order_is_rejected() => Given(Earned(10)).When(Void(order: "nope")).ThenFails("order-not-found");

    [Fact]
    public void A_void_larger_than_the_order_is_rejected() =>
        Given(Earned(10, amount: 100_000m)).When(Void(amount: 100_001m)).ThenFails("void-exceeds-order");

    [Fact]
    public void A_positive_adjustment_is_a_new_lot_issued_where_it_was_made()
    {
        var account = Given().When(Adjust(25, restaurant: "d2")).ThenAccount();

        var lot = Assert.Single(account.Lots);
        Assert.Equal(("d2", 25L, Today.AddMonths(24)), (lot.IssuedBy, lot.Remaining, lot.ExpiresOn));
    }

    [Fact]
    public void A_negative_adjustment_takes_from_lots_and_cannot_overdraw()
    {
        Assert.Equal(10, Given(Earned(30)).When(Adjust(-20)).ThenAccount().Balance(Today));
        Given(Earned(30)).When(Adjust(-31)).ThenFails("insufficient-points");
    }

    [Fact]
    public void An_adjustment_needs_a_reason_and_a_non_zero_amount()
    {
        Given().When(Adjust(10, reason: " ")).ThenRejects("reason");
        Given().When(Adjust(0)).ThenRejects("points");
    }
}
