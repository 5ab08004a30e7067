using System.Text.Json;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

/// <summary>
/// Given events / When command / Then events, for the points and membership streams of one guest in a VND chain
/// (Asia/Ho_Chi_Minh, 10,000 VND per point, a point worth 1,000 VND, 24-month expiry, tiers Bronze/Silver/Gold).
/// </summary>
public sealed class CounterScenario
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 5, 0, 0, TimeSpan.Zero); // 12:00 in Ho Chi Minh City
    public const string Guest = "g1";

    readonly List<object> _given = [];
    Chain _chain = ChainWithThreeRestaurants();
    Func<object[]>? _when;

    public static Chain ChainWithThreeRestaurants(Programme? programme = null) =>
        Chain.From([
            new ChainCreated("pho-chain", "Phở Chain", "VND", "Asia/Ho_Chi_Minh", "VN", programme ?? Programme.Default, Now.AddYears(-1)),
            new RestaurantAdded("pho-chain", "d1", "Phở Đông Du", "kiotviet", Now.AddYears(-1)),
            new RestaurantAdded("pho-chain", "d2", "Phở Lê Lợi", "ipos", Now.AddYears(-1)),
            new RestaurantAdded("pho-chain", "d3", "Phở Thảo Điền", "sapo", Now.AddYears(-1)),
        ]);

    public static CounterScenario Given(params object[] events)
    {
        var scenario = new CounterScenario();
        scenario._given.AddRange(events);
        return scenario;
    }

    public CounterScenario WithProgramme(Programme programme)
    {
        _chain = ChainWithThreeRestaurants(programme);
        return this;
    }

    PointsAccount Account => PointsAccount.From(_given);
    MembershipState Membership => MembershipState.From(_given);

    public CounterScenario When(EarnPoints c) { _when = () => { var (e, s) = PointsDecider.Earn(c, _chain, Account, Membership); return [e, s]; }; return this; }
    public CounterScenario When(RedeemPoints c) { _when = () => [PointsDecider.Redeem(c, _chain, Account)]; return this; }
    public CounterScenario When(AdjustPoints c) { _when = () => [PointsDecider.Adjust(c, _chain, Account)]; return this; }
    public CounterScenario When(VoidOrder c)
    {
        _when = () => { var (v, s) = PointsDecider.Void(c, _chain, Account); return s is null ? [v] : [v, s]; };
        return this;
    }

    public void Then(params object[] expected) => Assert.Equal(Json(expected), Json(_when!()));

    /// <summary>Runs the command and returns its events, for tests that check a figure rather than whole events.</summary>
    public object[] Events() => _when!();

    /// <summary>Applies the command's events to the given ones and returns the resulting account.</summary>
    public PointsAccount ThenAccount() => PointsAccount.From([.. _given, .. _when!()]);

    public void ThenFails(string code)
    {
        var violation = Assert.Throws<LedgerRuleViolation>(() => _when!());
        Assert.Equal(code, violation.Code);
    }

    public void ThenRejects(string field) => Assert.Equal(field, Assert.Throws<InvalidInput>(() => _when!()).Field);

    // Shorthands for the usual events and commands.

    public static PointsEarned Earned(long points, string restaurant = "d1", string order = "o1", string? lot = null,
        decimal? amount = null, DateTimeOffset? at = null, DateOnly? expiresOn = null, DateTimeOffset? spendableFrom = null)
    {
        var when = at ?? Now.AddDays(-10);
        return new PointsEarned(Guest, lot ?? $"lot-{order}", restaurant, order, amount ?? points * 10_000m, points, 0,
            "Bronze", 1.0m, when, spendableFrom ?? when, expiresOn ?? DateOnly.FromDateTime(when.UtcDateTime).AddMonths(24), 1, 1_000m);
    }

    public static SpendRecorded Spent(decimal amount, string restaurant = "d1", string order = "o1", DateTimeOffset? at = null) =>
        new(Guest, restaurant, order, amount, at ?? Now.AddDays(-10));

    public static EarnPoints Earn(decimal amount, string restaurant = "d1", string order = "o9", DateTimeOffset? at = null) =>
        new(Guest, $"lot-{order}", restaurant, order, amount, at ?? Now, Now);

    public static RedeemPoints Redeem(long points, string restaurant = "d2", string order = "r1") =>
        new(Guest, restaurant, order, points, Now, Now);

    public static VoidOrder Void(string order = "o1", decimal? amount = null, string restaurant = "d1", string voidId = "v1") =>
        new(Guest, restaurant, order, voidId, amount, Now, Now);

    public static AdjustPoints Adjust(long points, string reason = "goodwill", string restaurant = "d1") =>
        new(Guest, "adj1", "lot-adj1", restaurant, points, reason, Now);

    static string Json(object[] events) =>
        JsonSerializer.Serialize(events.Select(e => new { type = e.GetType().Name, data = (object)e }));
}
