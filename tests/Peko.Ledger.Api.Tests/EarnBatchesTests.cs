using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// Earns that arrive together share a transaction (<see cref="Features.Counter.EarnBatches"/>), and each keeps its own
/// answer, metadata and guarantees; when the shared transaction cannot commit, each earn runs on its own.
/// </summary>
public sealed class EarnBatchesTests(ChainWithThreeRestaurants api) : IClassFixture<ChainWithThreeRestaurants>, IDisposable
{
    // One transaction of earns at a time, so that earns sent together queue behind it and share the next one.
    readonly WebApplicationFactory<Program> _process = api.WithWebHostBuilder(b => b.UseSetting("Peko:Counter:Batches", "1"));

    HttpClient Till => field ??= TillOf(api.CounterD1.Secret);

    public void Dispose() => _process.Dispose();

    HttpClient TillOf(string key)
    {
        var till = _process.CreateClient();
        till.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return till;
    }

    [Fact]
    public async Task Earns_sent_together_share_transactions_and_each_keeps_its_answer_and_metadata()
    {
        var phones = Enumerable.Range(0, 12).Select(_ => Unique.Phone()).ToArray();
        foreach (var phone in phones) await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone }); // 10 points each
        var orders = phones.SelectMany(p => new[] { (Phone: p, Order: Unique.Order(), Amount: 200_000m), (Phone: p, Order: Unique.Order(), Amount: 350_000m) })
            .ToArray();

        var responses = await Task.WhenAll(orders.Select(o =>
            Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", o.Order, o.Amount, new { phone = o.Phone }))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
        Assert.Equal(orders.Select(o => (long)(o.Amount / 10_000m)), bodies.Select(b => (long)b["pointsEarned"]!));
        foreach (var phone in phones)
        {
            var guestId = (string)bodies[Array.FindIndex(orders, o => o.Phone == phone)]["guestId"]!;
            Assert.Equal(10 + 20 + 35, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
        }
        var keys = orders.Select(o => $"earn:d1:{o.Order}").ToArray();
        // Each event carries its own earn's idempotency key, restaurant and key id, whatever transaction wrote it.
        Assert.Equal(2 * orders.Length, await CountAsync("""
            select count(*) from ledger.events
            where idempotency_key = any($1) and actor = $2 and restaurant_id = 'd1'
              and data->>'orderId' = split_part(idempotency_key, ':', 3)
            """, (object)keys, api.CounterD1.KeyId));
        Assert.True(await CountAsync("select count(distinct tx_id) from ledger.events where idempotency_key = any($1)", (object)keys)
                    < orders.Length, "No two earns shared a transaction.");
        Assert.Equal(orders.Length, await CountAsync("select count(*) from ledger.idempotency_records where key = any($1)", (object)keys));

        // Each earn's record holds its own request and answer: every retry replays exactly the answer it first got.
        var retries = await Task.WhenAll(orders.Select(o =>
            Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", o.Order, o.Amount, new { phone = o.Phone }))));
        Assert.All(retries, r => Assert.True(r.StatusCode == HttpStatusCode.OK && r.IsReplay()));
        Assert.Equal(bodies.Select(b => b.ToJsonString()), (await Task.WhenAll(retries.Select(r => r.JsonAsync()))).Select(b => b.ToJsonString()));
    }

    [Fact]
    public async Task An_earn_that_cannot_be_written_is_refused_alone_and_the_others_are_written()
    {
        var orders = Enumerable.Range(0, 12).Select(_ => (Phone: Unique.Phone(), Order: Unique.Order())).ToArray();
        var poisoned = orders[5].Order;
        await ExecuteAsync($"""
            create function ledger.fail_for_test() returns trigger language plpgsql as $$ begin raise exception 'injected'; end $$;
            create trigger fail_for_test before insert on ledger.idempotency_records for each row
                when (new.key = 'earn:d1:{poisoned}') execute function ledger.fail_for_test();
            """);
        HttpResponseMessage[] responses;
        try
        {
            responses = await Task.WhenAll(orders.Select(o =>
                Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", o.Order, 150_000m, new { phone = o.Phone }))));
        }
        finally
        {
            await ExecuteAsync("drop trigger fail_for_test on ledger.idempotency_records; drop function ledger.fail_for_test()");
        }

        for (var i = 0; i < orders.Length; i++)
            Assert.Equal(orders[i].Order == poisoned ? HttpStatusCode.InternalServerError : HttpStatusCode.Created,
                responses[i].StatusCode);
        var keys = orders.Select(o => $"earn:d1:{o.Order}").ToArray();
        Assert.Equal(orders.Length - 1, await CountAsync(
            "select count(*) from ledger.events where type = 'points-earned' and idempotency_key = any($1)", (object)keys));
        Assert.Equal(0, await CountAsync("select count(*) from ledger.events where idempotency_key = $1", $"earn:d1:{poisoned}"));
        // The refused earn was not written, so its retry is a first earn.
        var retry = await Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", poisoned, 150_000m, new { phone = orders[5].Phone }));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
    }

    [Fact]
    public async Task Earns_naming_one_guest_by_different_identifiers_all_count()
    {
        var (phone, email) = (Unique.Phone(), $"{Guid.NewGuid():N}@example.com");
        var guestId = (string)(await api.Chain.EarnAsync(Till, "d1", 100_000m, new { phone, email }))["guestId"]!;

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Till.PostAsJsonAsync(api.Url("earn"),
            Requests.Earn("d1", Unique.Order(), 100_000m, i % 2 == 0 ? new { phone } : new { email } as object))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.All(await Task.WhenAll(responses.Select(r => r.JsonAsync())), b => Assert.Equal(guestId, (string)b["guestId"]!));
        Assert.Equal(17 * 10, (long)(await api.Chain.GuestAsync(guestId))["balance"]!);
    }

    [Fact]
    public async Task A_retry_sent_among_new_earns_replays_its_first_answer()
    {
        var (phone, order) = (Unique.Phone(), Unique.Order());
        var first = await api.Chain.EarnAsync(Till, "d1", 420_000m, new { phone }, order);
        var orders = Enumerable.Range(0, 10).Select(_ => Unique.Order()).ToArray();

        var retries = Enumerable.Range(0, 3).Select(_ =>
            Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", order, 420_000m, new { phone })));
        var changed = Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", order, 430_000m, new { phone }));
        var others = orders.Select(o => Till.PostAsJsonAsync(api.Url("earn"), Requests.Earn("d1", o, 100_000m, new { phone })));
        var all = await Task.WhenAll([.. retries, changed, .. others]);

        Assert.All(all[..3], r => Assert.True(r.StatusCode == HttpStatusCode.OK && r.IsReplay()));
        Assert.All(await Task.WhenAll(all[..3].Select(r => r.JsonAsync())), b => Assert.Equal((long)first["balance"]!, (long)b["balance"]!));
        await all[3].ProblemAsync(HttpStatusCode.Conflict, "idempotency-key-reused");
        Assert.All(all[4..], r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(42 + 10 * 10, (long)(await api.Chain.GuestAsync((string)first["guestId"]!))["balance"]!);
    }

    async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
