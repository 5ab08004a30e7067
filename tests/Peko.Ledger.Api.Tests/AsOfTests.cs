using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>A guest as of any instant, replayed from its events, across a void, a merge and an expiry (issue 7).</summary>
public sealed class AsOfTests(ChainWithAClock api) : IClassFixture<ChainWithAClock>, IDisposable
{
    static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero); // 16:00 in Ho Chi Minh City
    readonly DateTimeOffset _start = api.Clock.GetUtcNow();

    public void Dispose() => api.Clock.Set(_start);

    /// <summary>Ann and Binh on a chain of their own whose points are pending for 7 days.</summary>
    sealed record Story(TestChain Chain, IssuedKey Auditor, string Ann, string Binh, string AnnPhone);

    async Task<Story> AnnAndBinhAsync()
    {
        api.Clock.Set(T0);
        var chain = await TestChain.CreateAsync(api, Unique.Chain(), [("d1", "Phở Đông Du"), ("d2", "Phở Lê Lợi")],
            program: Programmes.Vnd(pendingDays: 7));
        var auditor = await chain.IssueKeyAsync("auditor");
        var (annPhone, binhPhone) = (Unique.Phone(), Unique.Phone());
        var ann = (string)(await chain.EarnAsync(chain.Admin, "d1", 3_000_000m, new { phone = annPhone }))["guestId"]!; // 300, lot 1
        api.Clock.Set(T0.AddDays(1));
        var voided = Unique.Order();
        await chain.EarnAsync(chain.Admin, "d2", 1_000_000m, new { phone = annPhone }, voided); // 100, lot 2
        api.Clock.Set(T0.AddDays(2));
        await (await chain.Admin.PostAsJsonAsync(chain.Url($"orders/d2/{voided}/void"), new { })).ShouldBeAsync(HttpStatusCode.OK);
        api.Clock.Set(T0.AddDays(3));
        var binh = (string)(await chain.EarnAsync(chain.Admin, "d1", 2_500_000m, new { phone = binhPhone }))["guestId"]!; // 250, lot 3
        api.Clock.Set(T0.AddDays(10));
        await (await chain.Admin.PostAsJsonAsync(chain.Url($"guests/{ann}/merges"), new { otherGuestId = binh, reason = "same person" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        api.Clock.Set(T0.AddDays(11));
        await chain.RedeemAsync(chain.Admin, "d1", 100, ann); // from lot 1, the soonest to expire
        api.Clock.Set(new DateTimeOffset(2028, 11, 1, 9, 0, 0, TimeSpan.Zero)); // lot 1 expires on 2028-11-01, local date
        await (await chain.Admin.PostAsJsonAsync(chain.Url("jobs/expire-points"), new { })).ShouldBeAsync(HttpStatusCode.OK);
        api.Clock.Set(new DateTimeOffset(2028, 11, 1, 10, 0, 0, TimeSpan.Zero));
        return new Story(chain, auditor, ann, binh, annPhone);
    }

    static async Task<JsonNode> AsOfAsync(Story s, string guestId, DateTimeOffset at) =>
        await (await s.Auditor.Client.GetAsync(s.Chain.Url($"guests/{guestId}/as-of?at={Uri.EscapeDataString(at.ToString("O"))}")))
            .ShouldBeAsync(HttpStatusCode.OK);

    static (long Balance, long Pending, string Tier, decimal WindowSpend, string Lots) Figures(JsonNode g) =>
        ((long)g["balance"]!, (long)g["pendingPoints"]!, (string)g["tier"]!, (decimal)g["windowSpend"]!,
         string.Join(" ", g["openLots"]!.AsArray().Select(l => $"{(string)l!["restaurantId"]!}:{(long)l["remaining"]!}/{(long)l["points"]!}")));

    [Fact]
    public async Task Past_instants_show_the_figures_the_events_gave_then()
    {
        var s = await AnnAndBinhAsync();

        Assert.Equal((300L, 300L, "Bronze", 3_000_000m, "d1:300/300"), Figures(await AsOfAsync(s, s.Ann, T0.AddHours(12))));
        // The void took back all of order 2 (its lot is empty) and its spend; lot 1 is still in its return window.
        Assert.Equal((300L, 300L, "Bronze", 3_000_000m, "d1:300/300"), Figures(await AsOfAsync(s, s.Ann, T0.AddDays(2).AddHours(1))));
        Assert.Equal((300L, 0L, "Bronze", 3_000_000m, "d1:300/300"), Figures(await AsOfAsync(s, s.Ann, T0.AddDays(8))));
        // Before the merge, Binh's history is Binh's own.
        var binhBefore = await AsOfAsync(s, s.Binh, T0.AddDays(8));
        Assert.Equal((250L, 250L, "Bronze", 2_500_000m, "d1:250/250"), Figures(binhBefore));
        Assert.Null(binhBefore["mergedFrom"]);
        // After it, Binh's id answers for Ann, who holds both lots and both spends: 5,500,000 VND makes her Silver.
        var binhAfter = await AsOfAsync(s, s.Binh, T0.AddDays(10).AddHours(1));
        Assert.Equal((s.Ann, s.Binh), ((string)binhAfter["guestId"]!, (string)binhAfter["mergedFrom"]!));
        Assert.Equal((550L, 0L, "Silver", 5_500_000m, "d1:300/300 d1:250/250"), Figures(binhAfter));
        Assert.Equal((450L, 0L, "Silver", 5_500_000m, "d1:200/300 d1:250/250"), Figures(await AsOfAsync(s, s.Ann, T0.AddDays(11).AddHours(1))));
        // Lot 1's last 200 points expired on 2028-11-01; nothing was spent in the 12 months before.
        Assert.Equal((250L, 0L, "Silver", 0m, "d1:250/250"), Figures(await AsOfAsync(s, s.Ann, new DateTimeOffset(2028, 11, 1, 9, 30, 0, TimeSpan.Zero))));
    }

    [Fact]
    public async Task At_now_the_figures_equal_the_live_ones()
    {
        var s = await AnnAndBinhAsync();
        var now = api.Clock.GetUtcNow();

        var live = await s.Chain.GuestAsync(s.Ann);
        var lookup = await (await s.Chain.Admin.GetAsync(s.Chain.Url($"lookup?phone={s.AnnPhone}"))).ShouldBeAsync(HttpStatusCode.OK);
        var asOf = await AsOfAsync(s, s.Binh, now);

        Assert.Equal(Figures(live), Figures(asOf));
        Assert.Equal(live["openLots"]!.ToJsonString(), asOf["openLots"]!.ToJsonString());
        Assert.Equal(((long)lookup["balance"]!, (long)lookup["pendingPoints"]!, (string)lookup["tier"]!),
            ((long)asOf["balance"]!, (long)asOf["pendingPoints"]!, (string)asOf["tier"]!));
    }

    [Fact]
    public async Task Only_auditors_and_admins_see_the_past_and_only_the_past()
    {
        var s = await AnnAndBinhAsync();
        var counter = await s.Chain.IssueKeyAsync("counter", "d1");
        var accountant = await s.Chain.IssueKeyAsync("accountant");
        var url = s.Chain.Url($"guests/{s.Ann}/as-of?at=2027-01-01T00:00:00Z");

        await (await counter.Client.GetAsync(url)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await accountant.Client.GetAsync(url)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await s.Chain.Admin.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);
        await (await s.Auditor.Client.GetAsync(s.Chain.Url($"guests/{s.Ann}/as-of?at=2026-10-01T00:00:00Z")))
            .ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");
        await (await s.Auditor.Client.GetAsync(s.Chain.Url($"guests/{s.Ann}/as-of?at=2099-01-01T00:00:00Z"))).FieldErrorAsync("at");
        await (await s.Auditor.Client.GetAsync(s.Chain.Url($"guests/{s.Ann}/as-of?at=yesterday"))).FieldErrorAsync("at");
        await (await s.Auditor.Client.GetAsync(s.Chain.Url($"guests/{s.Ann}/as-of"))).FieldErrorAsync("at");
    }
}
