using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Domain.Tests;

public sealed class ChainTests
{
    static CreateChain Valid => new("pho-chain", "Phở Chain", "VND", "Asia/Ho_Chi_Minh", "vn", Programme.Default, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_chain_is_created_with_its_programme_tiers_sorted()
    {
        var reversed = Programme.Default with { Tiers = Programme.Default.Tiers.Reverse().ToList() };

        var created = ChainDecider.Create(Valid with { Programme = reversed });

        Assert.Equal(["Bronze", "Silver", "Gold"], created.Programme.Tiers.Select(t => t.Name));
        Assert.Equal("VN", created.DefaultPhoneRegion);
    }

    [Theory]
    [InlineData("chainId", "Bad Id!")]
    [InlineData("currency", "XXX")]
    [InlineData("timeZone", "Mars/Olympus")]
    [InlineData("defaultPhoneRegion", "Vietnam")]
    public void Bad_chain_fields_are_rejected_by_name(string field, string value)
    {
        var command = field switch
        {
            "chainId" => Valid with { ChainId = value },
            "currency" => Valid with { Currency = value },
            "timeZone" => Valid with { TimeZone = value },
            _ => Valid with { DefaultPhoneRegion = value },
        };

        Assert.Equal(field, Assert.Throws<InvalidInput>(() => ChainDecider.Create(command)).Field);
    }

    [Fact]
    public void A_programme_must_start_its_tiers_at_zero_and_value_points_in_the_currency_precision()
    {
        var vnd = Currency.Parse("VND");
        Assert.Throws<InvalidInput>(() => (Programme.Default with { Tiers = [new("Silver", 5m, 1m)] }).Validated(vnd));
        Assert.Throws<InvalidInput>(() => (Programme.Default with { PointValue = 0.5m }).Validated(vnd));
        Assert.Equal(0.5m, (Programme.Default with { PointValue = 0.5m }).Validated(Currency.Parse("SEK")).PointValue);
    }

    [Fact]
    public void A_programme_change_is_a_new_version_and_old_events_keep_theirs()
    {
        var chain = CounterScenario.ChainWithThreeRestaurants();

        var changed = ChainDecider.ChangeProgramme(chain, Programme.Default with { PointValue = 2_000m }, DateTimeOffset.UnixEpoch);
        var after = Chain.Evolve(chain, changed);

        Assert.Equal(2, changed.Version);
        Assert.Equal((2, 2_000m), (after.ProgrammeVersion, after.Programme.PointValue));
    }

    [Fact]
    public void A_restaurant_id_is_unique_in_its_chain() =>
        Assert.Equal("restaurant-exists", Assert.Throws<LedgerRuleViolation>(() =>
            ChainDecider.AddRestaurant(CounterScenario.ChainWithThreeRestaurants(), "d1", "Again", "loyverse", DateTimeOffset.UnixEpoch)).Code);
}
