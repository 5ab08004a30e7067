using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>One profile per real guest: resolution merges, the absorbed id keeps resolving, undo is exact (issue 4).</summary>
public sealed class IdentityTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>
{
    HttpClient Admin => api.Admin;

    [Fact]
    public async Task Linh_from_three_restaurants_becomes_one_guest_and_the_merge_can_be_undone()
    {
        var (phone, email, zalo, customer) = (Unique.Phone(), Unique.Email(), $"lh_{Guid.NewGuid():N}"[..12], $"{Random.Shared.Next(100_000)}");
        // Linh at D1 (KiotViet customer), 'Linh phone …' at D2, the Zalo user with her email at D3: three guests.
        var atD1 = (string)(await api.Chain.EarnAsync(Admin, "d1", 2_000_000m, new { posCustomerId = customer }))["guestId"]!;
        var atD2 = (string)(await api.Chain.EarnAsync(Admin, "d2", 3_500_000m, new { phone }))["guestId"]!;
        var atD3 = (string)(await api.Chain.EarnAsync(Admin, "d3", 1_000_000m, new { zaloId = zalo, email }))["guestId"]!;
        Assert.Equal(3, new[] { atD1, atD2, atD3 }.Distinct().Count());

        // One order at D1 carries her customer id, phone and Zalo id.
        var earned = await api.Chain.EarnAsync(Admin, "d1", 500_000m, new { posCustomerId = customer, phone, zaloId = zalo });

        Assert.Equal(atD1, (string)earned["guestId"]!); // the earliest created survives
        Assert.Equal("Silver", (string)earned["tier"]!); // 6,500,000 VND combined, recomputed at once
        Assert.Equal(62, (long)earned["pointsEarned"]!); // floor(50 x 1.25)
        Assert.Equal(200 + 350 + 100 + 62, (long)earned["balance"]!);
        foreach (var query in new[] { $"phone={phone}", $"email={email}", $"zaloId={zalo}", $"posCustomerId={customer}&restaurantId=d1" })
            Assert.Equal(atD1, (string)(await (await Admin.GetAsync(api.Url($"lookup?{query}"))).ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        var oldId = await (await Admin.GetAsync(api.Url($"guests/{atD2}"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal((atD1, atD2), ((string)oldId["guestId"]!, (string)oldId["mergedFrom"]!));
        var merges = (await api.Chain.HistoryAsync(atD1)).Where(e => (string)e!["type"]! == "guests-merged").ToList();
        Assert.Equal([atD2, atD3], merges.Select(m => (string)m!["data"]!["absorbedId"]!).Order());

        // The Zalo match was wrong: undo it.
        var mergeId = (string)merges.Single(m => (string)m!["data"]!["absorbedId"]! == atD3)!["data"]!["mergeId"]!;
        var undone = await (await Admin.PostAsJsonAsync(api.Url($"guests/{atD1}/merges/{mergeId}/undo"), new { reason = "different person" }))
            .ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal((612L, 100L), ((long)undone["survivorBalance"]!, (long)undone["absorbedBalance"]!));
        Assert.Equal(atD3, (string)(await (await Admin.GetAsync(api.Url($"lookup?zaloId={zalo}"))).ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        Assert.Equal(atD3, (string)(await (await Admin.GetAsync(api.Url($"lookup?email={email}"))).ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        Assert.Equal(atD1, (string)(await (await Admin.GetAsync(api.Url($"lookup?phone={phone}"))).ShouldBeAsync(HttpStatusCode.OK))["guestId"]!);
        Assert.Equal(100, (long)(await api.Chain.GuestAsync(atD3))["balance"]!);
        Assert.Equal(612, (long)(await api.Chain.GuestAsync(atD1))["balance"]!);
        Assert.Contains(await api.Chain.HistoryAsync(atD3), e => (string)e!["type"]! == "guest-restored");
    }

    [Fact]
    public async Task Parallel_earns_with_overlapping_identifiers_end_as_one_guest_with_every_point()
    {
        var phones = Enumerable.Range(0, 5).Select(_ => Unique.Phone()).ToArray();
        var emails = Enumerable.Range(0, 5).Select(_ => Unique.Email()).ToArray();
        // Requests name (phone k, email k) and (phone k, email k+1): together they link all ten identifiers into one
        // chain of overlaps, so the fewest guests possible is one.
        var earns = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Admin.PostAsJsonAsync(api.Url("earn"),
            Requests.Earn("d2", Unique.Order(), 100_000m, new { phone = phones[i / 2 % 5], email = emails[(i / 2 + i % 2) % 5] }))));
        Assert.All(earns, e => Assert.Equal(HttpStatusCode.Created, e.StatusCode));

        var found = new List<JsonNode>();
        foreach (var query in phones.Select(p => $"phone={p}").Concat(emails.Select(e => $"email={Uri.EscapeDataString(e)}")))
            found.Add(await (await Admin.GetAsync(api.Url($"lookup?{query}"))).ShouldBeAsync(HttpStatusCode.OK));

        Assert.Single(found.Select(f => (string)f["guestId"]!).Distinct());
        Assert.Equal(20 * 10, (long)found[0]["balance"]!);
    }

    [Fact]
    public async Task A_lookup_naming_two_guests_merges_them()
    {
        var (phone, email) = (Unique.Phone(), Unique.Email());
        var first = (string)(await api.Chain.EarnAsync(Admin, "d1", 300_000m, new { phone }))["guestId"]!;
        var second = (string)(await api.Chain.EarnAsync(Admin, "d2", 200_000m, new { email }))["guestId"]!;

        var found = await (await Admin.GetAsync(api.Url($"lookup?phone={phone}&email={Uri.EscapeDataString(email)}")))
            .ShouldBeAsync(HttpStatusCode.OK);

        Assert.NotEqual(first, second);
        Assert.Equal((first, 50L), ((string)found["guestId"]!, (long)found["balance"]!));
    }

    [Fact]
    public async Task Manual_merges_are_for_chain_admins_and_refuse_bad_requests()
    {
        var a = (string)(await api.Chain.EarnAsync(Admin, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;
        var b = (string)(await api.Chain.EarnAsync(Admin, "d1", 100_000m, new { phone = Unique.Phone() }))["guestId"]!;

        await (await api.CounterD1.Client.PostAsJsonAsync(api.Url($"guests/{a}/merges"), new { otherGuestId = b, reason = "x" }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await Admin.PostAsJsonAsync(api.Url($"guests/{a}/merges"), new { otherGuestId = b })).FieldErrorAsync("reason");
        await (await Admin.PostAsJsonAsync(api.Url($"guests/{a}/merges"), new { otherGuestId = a, reason = "x" }))
            .ProblemAsync((HttpStatusCode)422, "merge-with-itself");
        await (await Admin.PostAsJsonAsync(api.Url($"guests/{a}/merges"), new { otherGuestId = "gst_nobody", reason = "x" }))
            .ProblemAsync(HttpStatusCode.NotFound, "guest-not-found");

        var merged = await (await Admin.PostAsJsonAsync(api.Url($"guests/{a}/merges"), new { otherGuestId = b, reason = "same person" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal((20L, 0L), ((long)merged["survivorBalance"]!, (long)merged["absorbedBalance"]!));
        await (await Admin.PostAsJsonAsync(api.Url($"guests/{b}/merges"), new { otherGuestId = a, reason = "again" }))
            .ProblemAsync((HttpStatusCode)422, "guest-already-merged");
    }
}
