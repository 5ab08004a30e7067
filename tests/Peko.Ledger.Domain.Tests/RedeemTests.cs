using Peko.Ledger.Domain.Points;
using static Peko.Ledger.Domain.Tests.CounterScenario;

namespace Peko.Ledger.Domain.Tests;

public sealed class RedeemTests
{
    static readonly DateOnly Soon = new(2026, 7, 1);
    static readonly DateOnly Later = new(2027, 1, 1);

    [Fact]
    public void Lots_are_consumed_soonest_expiring_first_and_each_lot_keeps_its_issuer() =>
        Given(
                Earned(100, restaurant: "d1", order: "o1", expiresOn: Later),
                Earned(30, restaurant: "d3", order: "o2", expiresOn: Soon))
            .When(Redeem(50))
            .Then(new PointsRedeemed(Guest, "d2", "r1", 50, 50_000m,
                [new LotPoints("lot-o2", "d3", 30, Soon, 1_000m), new LotPoints("lot-o1", "d1", 20, Later, 1_000m)], Now, 1));

    [Fact]
    public void Lots_expiring_the_same_day_are_consumed_earliest_earned_first() =>
        Given(
                Earned(10, order: "o2", at: Now.AddDays(-5), expiresOn: Later),
                Earned(10, order: "o1", at: Now.AddDays(-9), expiresOn: Later))
            .When(Redeem(15))
            .Then(new PointsRedeemed(Guest, "d2", "r1", 15, 15_000m,
                [new LotPoints("lot-o1", "d1", 10, Later, 1_000m), new LotPoints("lot-o2", "d1", 5, Later, 1_000m)], Now, 1));

    [Fact]
    public void Redeeming_more_than_spendable_is_rejected() =>
        Given(Earned(100)).When(Redeem(150)).ThenFails("insufficient-points");

    [Fact]
    public void Pending_points_cannot_be_spent() =>
        Given(Earned(100, spendableFrom: Now.AddDays(1))).When(Redeem(1)).ThenFails("insufficient-points");

    [Fact]
    public void Expired_points_cannot_be_spent() =>
        Given(Earned(100, expiresOn: DateOnly.FromDateTime(Now.UtcDateTime))).When(Redeem(1)).ThenFails("insufficient-points");

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void Only_a_positive_number_of_points_can_be_redeemed(long points) =>
        Given(Earned(100)).When(Redeem(points)).ThenRejects("points");

    [Fact]
    public void A_redemption_never_takes_the_balance_below_zero()
    {
        var account = Given(Earned(100)).When(Redeem(100)).ThenAccount();

        Assert.Equal(0, account.Balance(DateOnly.FromDateTime(Now.UtcDateTime)));
    }
}
