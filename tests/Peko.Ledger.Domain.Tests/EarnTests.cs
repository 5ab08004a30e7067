using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using static Peko.Ledger.Domain.Tests.CounterScenario;

namespace Peko.Ledger.Domain.Tests;

public sealed class EarnTests
{
    [Fact]
    public void An_earn_creates_a_lot_of_floor_amount_over_spend_per_point() =>
        Given()
            .When(Earn(125_999m))
            .Then(
                new PointsEarned(Guest, "lot-o9", "d1", "o9", 125_999m, 12, 0, "Bronze", 1.0m, Now, Now,
                    new DateOnly(2028, 6, 15), 1, 1_000m),
                new SpendRecorded(Guest, "d1", "o9", 125_999m, Now));

    [Fact]
    public void The_current_tier_multiplies_the_points() =>
        Given(new TierChanged(Guest, "Bronze", "Silver", 6_000_000m, new DateOnly(2026, 6, 1)))
            .When(Earn(1_250_000m))
            .Then(
                new PointsEarned(Guest, "lot-o9", "d1", "o9", 1_250_000m, 156, 0, "Silver", 1.25m, Now, Now,
                    new DateOnly(2028, 6, 15), 1, 1_000m),
                new SpendRecorded(Guest, "d1", "o9", 1_250_000m, Now));

    [Fact]
    public void New_points_stay_pending_for_the_return_window()
    {
        var events = Given().WithProgramme(Programme.Default with { PointsPendingDays = 3 }).When(Earn(500_000m)).Events();

        var earned = Assert.IsType<PointsEarned>(events[0]);
        Assert.Equal(Now.AddDays(3), earned.SpendableFrom);
        var account = PointsAccount.From(events);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        Assert.Equal(50, account.Balance(today));
        Assert.Equal(50, account.Pending(Now, today));
        Assert.Equal(0, account.Spendable(Now, today));
        Assert.Equal(50, account.Spendable(Now.AddDays(3), today.AddDays(3)));
    }

    [Fact]
    public void The_expiry_date_is_counted_from_the_order_date_in_the_chain_time_zone()
    {
        // 23:30 UTC on 31 Jan is already 1 Feb in Ho Chi Minh City (UTC+7).
        var lateEvening = new DateTimeOffset(2026, 1, 31, 23, 30, 0, TimeSpan.Zero);

        var earned = (PointsEarned)Given().When(Earn(100_000m, at: lateEvening)).Events()[0];

        Assert.Equal(new DateOnly(2028, 2, 1), earned.ExpiresOn);
    }

    [Fact]
    public void A_later_earn_pays_off_a_negative_balance_first()
    {
        var account = Given(Earned(10, order: "o1"), new OrderVoided(Guest, "d1", "o1", "v1", 100_000m, 100_000m, [], [], 30, Now))
            .When(Earn(500_000m))
            .ThenAccount();

        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        Assert.Equal(0, account.Deficit);
        Assert.Equal(20 + 10, account.Balance(today)); // 50 earned, 30 repaid; the voided lot still holds 10
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(0.5)] // VND has no minor unit
    [InlineData(2_000_000_000_000)]
    public void Bad_amounts_are_rejected(decimal amount) => Given().When(Earn(amount)).ThenRejects("amount");

    [Fact]
    public void An_order_dated_in_the_future_is_rejected() =>
        Given().When(Earn(100_000m, at: Now.AddHours(1))).ThenRejects("occurredAt");

    [Fact]
    public void An_order_earns_once() => Given(Earned(10, order: "o9")).When(Earn(100_000m)).ThenFails("order-already-earned");
}
