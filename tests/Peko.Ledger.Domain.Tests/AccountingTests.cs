using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

/// <summary>Month-end rules without a database: movements of each event, the reports' arithmetic, closing (issue 6).</summary>
public sealed class AccountingTests
{
    static readonly Chain Chain = CounterScenario.ChainWithThreeRestaurants();
    static readonly Currency Vnd = Chain.Currency;
    static readonly DateTimeOffset At = CounterScenario.Now;

    static MovementTotal T(string kind, string issuer, long points, string? redeemer = null) =>
        new(kind, issuer, redeemer, points, points * 1_000m);

    static ReportHeader Header(string policy = AccountingBooks.IssuerPays, decimal? rate = null) =>
        new("pho-chain", "2026-06", "VND", "Asia/Ho_Chi_Minh", "open", null, policy, rate);

    static Restaurant[] Restaurants => [.. Chain.Restaurants.Values];

    [Fact]
    public void A_void_gives_redeemed_points_back_where_they_were_redeemed_and_records_a_shortfall_for_the_order_restaurant()
    {
        var voided = new OrderVoided("g1", "d2", "o-1", "void-1", 100_000m, 100_000m,
            Restored: [new LotPoints("lot-a", "d1", 20)], TakenBack: [new LotPoints("lot-b", "d2", 6)], Shortfall: 4, At)
        {
            RestoredAsNewLots = [new MovedLot("lot-c~void-1", "d3", null, 5, 5, At, At, new DateOnly(2027, 1, 1), 500m, [])],
        };

        var movements = PointMovements.Of(voided);

        Assert.Equal([
            new LotMovement(MovementKind.Redeemed, "lot-a", "d1", "d2", -20),
            new LotMovement(MovementKind.Redeemed, "lot-c~void-1", "d3", "d2", -5),
            new LotMovement(MovementKind.Voided, "lot-b", "d2", null, 6),
        ], movements.Movements);
        Assert.Equal([new LotIssued("lot-c~void-1", "d3", null, 500m)], movements.Lots);
        Assert.Equal([new ShortfallOwed("g1", "d2", "o-1", 4)], movements.Shortfalls);
        Assert.Equal(At, movements.OccurredAt);
    }

    [Fact]
    public void An_earn_that_repays_a_shortfall_issues_only_what_the_guest_keeps()
    {
        var earned = new PointsEarned("g1", "lot-1", "d3", "o-9", 1_500_000m, 150, DeficitRepaid: 100, "Bronze", 1m, At, At,
            new DateOnly(2028, 6, 15), 1, 1_000m);

        var movements = PointMovements.Of(earned);

        Assert.Equal([new LotMovement(MovementKind.Issued, "lot-1", "d3", null, 50)], movements.Movements);
        Assert.Equal([new ShortfallRepaid("g1", 100)], movements.Shortfalls);
    }

    [Fact]
    public void Merging_lots_moves_no_liability_but_a_merged_shortfall_follows_the_guest()
    {
        var moved = new PointsMovedIn("g1", "g2", "mrg-1",
            [new MovedLot("lot-x", "d1", "o-1", 10, 10, At, At, new DateOnly(2028, 1, 1), 1_000m, ["mrg-1"])], [], Deficit: 7, At);

        var movements = PointMovements.Of(moved);

        Assert.Empty(movements.Movements);
        Assert.Equal([new ShortfallMoved("g2", "g1", 7)], movements.Shortfalls);
        Assert.True(PointMovements.Of(moved with { Deficit = 0 }).IsEmpty);
    }

    [Fact]
    public void Each_row_follows_the_identity_from_opening_to_closing()
    {
        var movements = new MonthMovements(
            Before: [T("issued", "d1", 500), T("redeemed", "d1", 100, "d2")],
            InMonth: [T("issued", "d1", 200), T("redeemed", "d1", 50, "d3"), T("redeemed", "d1", 30, "d1"), T("expired", "d1", 70),
                      T("voided", "d1", 20), T("adjusted", "d1", -10), T("redeemed", "d2", 15, "d1")],
            PriorPeriod: [new PriorPeriodTotal("2026-05", "voided", "d1", null, 20, 20_000m)]);

        var report = AllocationReport.Build(Header(), Restaurants, movements, Vnd);
        var d1 = report.Restaurants.Single(r => r.RestaurantId == "d1");

        Assert.Equal(new Figures(400, 400_000m), d1.Opening);
        Assert.Equal(new Figures(400 + 200 - 80 - 70 - 20 - 10, 420_000m), d1.Closing);
        Assert.True(d1.Reconciles);
        Assert.Equal(new Figures(45, 45_000m), d1.RedeemedHere); // 30 own, 15 of d2's
        Assert.Equal(new Figures(50, 50_000m), d1.OwnRedeemedElsewhere);
        Assert.Equal([new PriorPeriodLine("2026-05", "voided", 20, 20_000m)], d1.PriorPeriod);
        Assert.Equal(d1.Closing + report.Restaurants.Single(r => r.RestaurantId == "d2").Closing, report.Chain!.Closing);
    }

    [Fact]
    public void A_movement_the_identity_does_not_know_shows_as_a_row_that_does_not_reconcile()
    {
        var movements = new MonthMovements([], [T("issued", "d1", 100), T("teleported", "d1", 5)], []);

        var d1 = AllocationReport.Build(Header(), Restaurants, movements, Vnd).Restaurants.Single(r => r.RestaurantId == "d1");

        Assert.False(d1.Reconciles);
    }

    [Fact]
    public void Issuer_pays_nets_each_pair_into_one_voucher()
    {
        var movements = new MonthMovements([], [
            T("redeemed", "d1", 30, "d2"), T("redeemed", "d2", 50, "d1"), T("redeemed", "d3", 30, "d1"),
            T("redeemed", "d1", 10, "d1"), T("redeemed", "d2", 20, "d3"), T("redeemed", "d2", -20, "d3"),
        ], []);

        var report = SettlementReport.Build(Header(), Restaurants, movements, Vnd);

        Assert.Equal([new Voucher("d2", "d1", 20_000m), new Voucher("d3", "d1", 30_000m)], report.Vouchers);
        Assert.DoesNotContain(report.Redemptions, r => r.IssuedBy == r.RedeemedAt);
        Assert.DoesNotContain(report.Redemptions, r => r is { IssuedBy: "d2", RedeemedAt: "d3" }); // redeemed, then voided
    }

    [Fact]
    public void Under_reserve_the_reserve_ends_holding_exactly_the_outstanding_liability()
    {
        var movements = new MonthMovements(
            Before: [T("issued", "d1", 100)],
            InMonth: [T("issued", "d2", 80), T("redeemed", "d1", 60, "d2"), T("expired", "d2", 10), T("adjusted", "d3", 5),
                      T("voided", "d1", 10)],
            PriorPeriod: []);

        var report = SettlementReport.Build(Header(AccountingBooks.Reserve), Restaurants, movements, Vnd);
        var allocation = AllocationReport.Build(Header(AccountingBooks.Reserve), Restaurants, movements, Vnd);

        Assert.Equal(allocation.Chain!.Closing.Value, report.Reserve.Closing);
        Assert.Equal(100_000m, report.Reserve.Opening);
        // d1: its 10 voided come back from the reserve. d2: 80 issued in, 60 redeemed at d2 and 10 expired out.
        Assert.Equal([new Voucher("reserve", "d1", 10_000m), new Voucher("d2", "reserve", 10_000m), new Voucher("d3", "reserve", 5_000m)],
            report.Vouchers);
        Assert.Equal(105_000m, report.Reserve.Closing);
    }

    [Theory]
    [InlineData(0.8, 60_000, 100_000, 15_000)]  // redemptions justify 60,000 x 0.25 = 15,000 of the 20,000 expected
    [InlineData(0.8, 95_000, 100_000, 20_000)]  // capped at the expected breakage
    [InlineData(1.0, 95_000, 100_000, 0)]       // everything is expected to be redeemed: no breakage
    public void Estimated_breakage_follows_redemptions_up_to_the_expected_share(double rate, long redeemed, long issued, long expected)
    {
        var movements = new MonthMovements([], [T("issued", "d1", issued / 1_000), T("redeemed", "d1", redeemed / 1_000, "d2")], []);

        var d1 = AllocationReport.Build(Header(rate: (decimal)rate), Restaurants, movements, Vnd).Restaurants[0];

        Assert.Equal(expected, d1.Breakage.Estimated);
    }

    [Fact]
    public void Estimated_breakage_is_a_cumulative_catch_up_month_by_month()
    {
        var before = new List<MovementTotal> { T("issued", "d1", 100), T("redeemed", "d1", 40, "d1") };
        var movements = new MonthMovements(before, [T("redeemed", "d1", 20, "d1")], []);

        var d1 = AllocationReport.Build(Header(rate: 0.8m), Restaurants, movements, Vnd).Restaurants[0];

        Assert.Equal(15_000m - 10_000m, d1.Breakage.Estimated); // 60,000 x 0.25 so far, less 40,000 x 0.25 already recognised
    }

    [Fact]
    public void The_first_close_takes_every_earlier_month_with_it_and_later_months_close_in_order_once_ended()
    {
        var march = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var books = AccountingBooks.Initial;

        var january = AccountingDecider.Close(books, Chain, new(2026, 1), march);
        books = AccountingBooks.Evolve(books, january);
        Assert.True(books.IsClosed(new(2025, 11)));
        Assert.False(books.IsClosed(new(2026, 2)));
        Assert.Equal("month-already-closed",
            Assert.Throws<LedgerRuleViolation>(() => AccountingDecider.Close(books, Chain, new(2025, 12), march)).Code);
        Assert.Equal("close-months-in-order",
            Assert.Throws<LedgerRuleViolation>(() => AccountingDecider.Close(books, Chain, new(2026, 3), march.AddMonths(1))).Code);
        // 1 March 00:00 in Ho Chi Minh City is 28 February 17:00 UTC.
        Assert.Equal("month-not-ended", Assert.Throws<LedgerRuleViolation>(() =>
            AccountingDecider.Close(books, Chain, new(2026, 2), new DateTimeOffset(2026, 2, 28, 16, 59, 0, TimeSpan.Zero))).Code);
        Assert.Equal("2026-02",
            AccountingDecider.Close(books, Chain, new(2026, 2), new DateTimeOffset(2026, 2, 28, 17, 0, 0, TimeSpan.Zero)).Month);
    }
}
