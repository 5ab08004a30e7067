using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Peko.Ledger.Api.Tests;

/// <summary>Bad input is a 400 naming the field, and nothing is written; unknown fields are ignored.</summary>
public sealed class BadInputTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Admin => api.Admin;

    /// <summary>An earn body (JSON, with {order}, {phone} and {future} filled in per run) and the field it gets wrong.</summary>
    public static TheoryData<string, string> BadEarns => new()
    {
        { """{"restaurantId":"d1","amount":100000,"guest":{"phone":"{phone}"}}""", "orderId" },
        { """{"restaurantId":"d1","orderId":"   ","amount":100000,"guest":{"phone":"{phone}"}}""", "orderId" },
        { """{"restaurantId":"d1","orderId":"{order}","guest":{"phone":"{phone}"}}""", "amount" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":0,"guest":{"phone":"{phone}"}}""", "amount" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":-50000,"guest":{"phone":"{phone}"}}""", "amount" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":1000000000001,"guest":{"phone":"{phone}"}}""", "amount" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000.5,"guest":{"phone":"{phone}"}}""", "amount" },
        { """{"restaurantId":"d9","orderId":"{order}","amount":100000,"guest":{"phone":"{phone}"}}""", "restaurantId" },
        { """{"orderId":"{order}","amount":100000,"guest":{"phone":"{phone}"}}""", "restaurantId" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"guest":{"phone":"0903 12"}}""", "phone" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"guest":{"phone":"09O3 123 482"}}""", "phone" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"guest":{"email":"lan@"}}""", "email" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"guest":{"email":"lan at example.com"}}""", "email" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"guest":{}}""", "guest" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000}""", "guest" },
        { """{"restaurantId":"d1","orderId":"{order}","amount":100000,"occurredAt":"{future}","guest":{"phone":"{phone}"}}""", "occurredAt" },
    };

    static StringContent Json(string template) => new(template
        .Replace("{order}", Unique.Order(), StringComparison.Ordinal)
        .Replace("{phone}", Unique.Phone(), StringComparison.Ordinal)
        .Replace("{future}", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), StringComparison.Ordinal),
        Encoding.UTF8, "application/json");

    [Theory]
    [MemberData(nameof(BadEarns))]
    public async Task A_bad_earn_is_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var written = await api.WrittenAsync();

        var response = await Admin.PostAsync(api.Url("earn"), Json(body));

        await response.FieldErrorAsync(field);
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task A_request_wrong_in_several_fields_is_refused_once_naming_each()
    {
        var written = await api.WrittenAsync();

        var earn = await Admin.PostAsync(api.Url("earn"), Json("""
            {"restaurantId":"d9","orderId":" ","amount":100000.5,"occurredAt":"{future}","guest":{"phone":"0903 12","email":"lan@"}}
            """));
        var redeem = await Admin.PostAsync(api.Url("redeem"), Json("""
            {"restaurantId":"d1","points":-5,"guest":{"zaloId":"","name":"{long}"}}
            """.Replace("{long}", new string('x', 201), StringComparison.Ordinal)));

        var earnErrors = (await earn.ProblemAsync(HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Equal(["amount", "email", "occurredAt", "orderId", "phone", "restaurantId"],
            earnErrors.Select(e => e.Key).Order(StringComparer.Ordinal));
        var redeemErrors = (await redeem.ProblemAsync(HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Equal(["guest", "guest.name", "orderId", "points"], redeemErrors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Theory]
    [InlineData("""{"restaurantId":"d1","orderId":"{order}","guest":{"phone":"{phone}"}}""", "points")]
    [InlineData("""{"restaurantId":"d1","orderId":"{order}","points":0,"guest":{"phone":"{phone}"}}""", "points")]
    [InlineData("""{"restaurantId":"d1","orderId":"{order}","points":-5,"guest":{"phone":"{phone}"}}""", "points")]
    [InlineData("""{"restaurantId":"d1","orderId":"","points":5,"guest":{"phone":"{phone}"}}""", "orderId")]
    [InlineData("""{"restaurantId":"d1","orderId":"{order}","points":5}""", "guest")]
    public async Task A_bad_redeem_is_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var phone = Unique.Phone();
        await api.Chain.EarnAsync(Admin, "d1", 100_000m, new { phone });
        var written = await api.WrittenAsync();

        var response = await Admin.PostAsync(api.Url("redeem"), new StringContent(
            body.Replace("{order}", Unique.Order(), StringComparison.Ordinal).Replace("{phone}", phone, StringComparison.Ordinal),
            Encoding.UTF8, "application/json"));

        await response.FieldErrorAsync(field);
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    [InlineData(1000.5)]
    public async Task A_bad_void_amount_is_400_and_writes_nothing(double amount)
    {
        var order = Unique.Order();
        await api.Chain.EarnAsync(Admin, "d1", 100_000m, new { phone = Unique.Phone() }, order);
        var written = await api.WrittenAsync();

        var response = await Admin.PostAsJsonAsync(api.Url($"orders/d1/{order}/void"), new { amount = (decimal)amount });

        await response.FieldErrorAsync("amount");
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Theory]
    [InlineData("""{"restaurantId":"d1","orderId":""", "body")]
    [InlineData("not json at all", "body")]
    [InlineData("""{"restaurantId":"d1","orderId":"o-1","amount":"lots","guest":{"phone":"0903123482"}}""", "amount")]
    [InlineData("""{"restaurantId":"d1","orderId":"o-1","amount":1e30,"guest":{"phone":"0903123482"}}""", "amount")]
    [InlineData("""{"restaurantId":"d1","orderId":"o-1","amount":100000,"guest":"0903123482"}""", "guest")]
    public async Task Malformed_JSON_is_400_naming_what_could_not_be_read_and_writes_nothing(string body, string field)
    {
        var written = await api.WrittenAsync();

        var response = await Admin.PostAsync(api.Url("earn"), new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.FieldErrorAsync(field);
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(written, await api.WrittenAsync());
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        var body = $$"""
            {"restaurantId":"d1","orderId":"{{Unique.Order()}}","amount":250000,"tableNumber":12,
             "loyaltyTier":"Gold","guest":{"phone":"{{Unique.Phone()}}","birthday":"1990-01-01"} }
            """;

        var response = await Admin.PostAsync(api.Url("earn"), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(25, (long)(await response.ShouldBeAsync(HttpStatusCode.Created))["pointsEarned"]!);
    }

    [Fact]
    public async Task A_SEK_chain_takes_amounts_to_the_ore_but_no_finer()
    {
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("s1", "Phở Södermalm")],
            currency: "SEK", region: "SE", timeZone: "Europe/Stockholm", program: Programmes.Sek());
        var email = Unique.Email();

        var twoDecimals = await chain.EarnAsync(chain.Admin, "s1", 123.45m, new { email });
        var written = await api.WrittenAsync();
        var threeDecimals = await chain.Admin.PostAsJsonAsync(chain.Url("earn"),
            Requests.Earn("s1", Unique.Order(), 123.456m, new { email }));
        await threeDecimals.FieldErrorAsync("amount");
        Assert.Equal(written, await api.WrittenAsync());
        var redeemed = await chain.RedeemAsync(chain.Admin, "s1", 12, new { email });

        // 123.45 SEK at 10 SEK a point: floor(12.345) = 12 points, worth 12 x 0.50 = 6.00 SEK.
        Assert.Equal(12, (long)twoDecimals["pointsEarned"]!);
        Assert.Equal(6.00m, (decimal)redeemed["discount"]!);
        Assert.Equal(0, (long)redeemed["balance"]!);
    }
}
