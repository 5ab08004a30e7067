using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Peko.Ledger.Api.Features.Counter;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// A service process keeps the guests it folded (<see cref="FoldedGuests"/>) and reads only what was appended since:
/// by this process or by another, and never the events of a command that did not commit.
/// </summary>
public sealed class FoldedGuestsTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>, IDisposable
{
    // This process keeps every guest it folds, however short; the fixture's own host stands for another process.
    readonly WebApplicationFactory<Program> _process = api.WithWebHostBuilder(b => b.UseSetting("Peko:FoldedGuests:MinimumEvents", "0"));

    HttpClient Till => field ??= TillOf(_process, api.CounterD1.Secret);

    public void Dispose() => _process.Dispose();

    static HttpClient TillOf(WebApplicationFactory<Program> process, string key)
    {
        var till = process.CreateClient();
        till.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return till;
    }

    [Fact]
    public async Task Points_earned_through_another_service_process_count_in_this_ones_next_redeem()
    {
        using var otherTill = TillOf(api, api.CounterD1.Secret);
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 300_000m, new { phone }))["guestId"]!;
        await api.Chain.EarnAsync(Till, "d1", 300_000m, new { phone });
        Assert.Equal((1L, 30L), Kept(guestId)); // as the second earn read it: the first earn's lot

        await api.Chain.EarnAsync(otherTill, "d1", 500_000m, new { phone }); // 50 more, appended by the other process

        var redeemed = await api.Chain.RedeemAsync(Till, "d1", 110, new { phone });
        Assert.Equal(0, (long)redeemed["balance"]!);
        Assert.Equal((3L, 110L), Kept(guestId));
    }

    [Fact]
    public async Task A_command_that_does_not_commit_leaves_nothing_of_its_own_folded()
    {
        var phone = Unique.Phone();
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 200_000m, new { phone }))["guestId"]!;
        await api.Chain.EarnAsync(Till, "d1", 200_000m, new { phone });

        // Decided and refused (40 points, not 41); then decided and appended, in a transaction that then fails.
        var refused = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", Unique.Order(), 41, new { phone }));
        await refused.ProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient-points");
        var order = Unique.Order();
        await ExecuteAsync($"""
            create function ledger.fail_for_test() returns trigger language plpgsql as $$ begin raise exception 'injected'; end $$;
            create trigger fail_for_test before insert on ledger.idempotency_records for each row
                when (new.key = 'redeem:d1:{order}') execute function ledger.fail_for_test();
            """);
        try
        {
            var failed = await Till.PostAsJsonAsync(api.Url("redeem"), Requests.Redeem("d1", order, 5, new { phone }));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }
        finally
        {
            await ExecuteAsync("drop trigger fail_for_test on ledger.idempotency_records; drop function ledger.fail_for_test()");
        }
        Assert.Equal((2L, 40L), Kept(guestId));

        Assert.Equal(35, (long)(await api.Chain.RedeemAsync(Till, "d1", 5, new { phone }, order))["balance"]!);
        Assert.Equal(0, (long)(await api.Chain.RedeemAsync(Till, "d1", 35, new { phone }))["balance"]!);
        Assert.Equal((3L, 35L), Kept(guestId));
    }

    async Task ExecuteAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The guest's kept entry: its points stream's version and its balance. Put back as it was.</summary>
    (long Points, long Balance) Kept(string guestId)
    {
        var folded = _process.Services.GetRequiredService<FoldedGuests>();
        var entry = folded.Take(guestId) ?? throw new Xunit.Sdk.XunitException($"No entry kept for {guestId}.");
        try
        {
            return (entry.PointsVersion, entry.Points.Balance(DateOnly.FromDateTime(DateTime.UtcNow)));
        }
        finally
        {
            folded.Return(entry);
        }
    }
}

/// <summary>How much <see cref="FoldedGuests"/> keeps, and which entry wins when two commands read one guest.</summary>
public sealed class FoldedGuestsCapacityTests
{
    static FoldedGuest Guest(string id, long points) => new(id) { GuestVersion = 1, PointsVersion = points, MembershipVersion = points };

    [Fact]
    public void A_taken_entry_is_gone_until_it_is_put_back()
    {
        var folded = new FoldedGuests(100, minimum: 0);
        folded.Return(Guest("g1", 2));

        var taken = folded.Take("g1");

        Assert.Equal(5, taken!.Events);
        Assert.Null(folded.Take("g1"));
        folded.Return(taken);
        Assert.Same(taken, folded.Take("g1"));
    }

    [Fact]
    public void The_least_recently_put_back_guests_go_first_once_the_events_exceed_the_capacity()
    {
        var folded = new FoldedGuests(20, minimum: 0);
        folded.Return(Guest("old", 2));   // 5 events
        folded.Return(Guest("used", 2));  // 5
        folded.Return(Guest("mid", 2));   // 5
        folded.Return(folded.Take("used")!); // used again: now the most recent

        folded.Return(Guest("new", 3));   // 7: 22 in all, so the oldest goes

        Assert.Null(folded.Take("old"));
        Assert.NotNull(folded.Take("mid"));
        Assert.NotNull(folded.Take("used"));
        Assert.NotNull(folded.Take("new"));
        Assert.Equal(0, folded.Events);
    }

    [Fact]
    public void A_guest_shorter_than_the_minimum_is_not_kept()
    {
        var folded = new FoldedGuests(100, minimum: 20);
        folded.Return(Guest("newcomer", 9));   // 19 events
        folded.Return(Guest("regular", 10));   // 21

        Assert.Null(folded.Take("newcomer"));
        Assert.NotNull(folded.Take("regular"));
    }

    [Fact]
    public void A_guest_longer_than_the_capacity_and_any_guest_at_capacity_0_are_not_kept()
    {
        var small = new FoldedGuests(10, minimum: 0);
        small.Return(Guest("regular", 10));
        Assert.Equal(0, small.Count);

        var none = new FoldedGuests(0, minimum: 0);
        none.Return(Guest("g", 0));
        Assert.Null(none.Take("g"));
    }

    [Fact]
    public void Of_two_entries_for_one_guest_the_one_read_further_is_kept()
    {
        var folded = new FoldedGuests(100, minimum: 0);
        var further = Guest("g", 7);
        folded.Return(further);

        folded.Return(Guest("g", 3)); // a command that found no entry read the guest earlier, and finishes later

        Assert.Same(further, folded.Take("g"));
        Assert.Equal(0, folded.Count);
    }
}
