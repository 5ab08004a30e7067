using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Audit;
using Peko.Ledger.EventStore.Projections;
using Xunit.Abstractions;
using static Peko.Ledger.Api.Tests.ChainsForAccounting;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// Replay and verify (issue 7): every projection rebuilt from the events into shadow tables equals the live tables
/// after a long run of random operations, and a live row changed behind the ledger's back is named.
/// </summary>
public sealed class ReplayTests(ChainsForAccounting api, ITestOutputHelper output) : IClassFixture<ChainsForAccounting>
{
    /// <summary>
    /// The suite runs 2,000 (about 12 s); the acceptance run of 100,000 (about 10 minutes on a 2-core machine) is
    /// PEKO_REPLAY_OPERATIONS=100000 (docs/audit.md).
    /// </summary>
    static readonly int Operations = int.TryParse(Environment.GetEnvironmentVariable("PEKO_REPLAY_OPERATIONS"), out var n) ? n : 2_000;

    [Fact]
    public async Task Every_index_a_projection_leaves_out_of_the_shadow_tables_is_one_of_its_tables_indexes()
    {
        var (dataSource, options) = (api.Services.GetRequiredService<NpgsqlDataSource>(), api.Services.GetRequiredService<LedgerStoreOptions>());
        var projections = options.InlineProjections.Concat(options.AsyncProjections).ToList();
        Assert.Contains(projections, p => p.IndexesForReaders.Count > 0);
        foreach (var projection in projections)
        {
            await using var command = dataSource.CreateCommand("""
                select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
                where i.indrelid = any (select ('ledger.' || t)::regclass from unnest($1::text[]) t)
                """);
            command.Parameters.AddWithValue(projection.Tables.ToArray());
            var indexes = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) indexes.Add(reader.GetString(0));
            Assert.All(projection.IndexesForReaders, name => Assert.Contains(name, indexes));
        }
    }

    [Fact]
    public async Task Every_indexed_text_column_of_the_read_models_compares_byte_for_byte()
    {
        var (dataSource, options) = (api.Services.GetRequiredService<NpgsqlDataSource>(), api.Services.GetRequiredService<LedgerStoreOptions>());
        var tables = options.InlineProjections.Concat(options.AsyncProjections).SelectMany(p => p.Tables).Distinct().ToArray();
        await using var command = dataSource.CreateCommand("""
            select t.relname || '.' || a.attname, coalesce(co.collname, '')
            from pg_attribute a join pg_class t on t.oid = a.attrelid
            left join pg_collation co on co.oid = a.attcollation
            where t.oid = any (select ('ledger.' || x)::regclass from unnest($1::text[]) x)
              and a.atttypid = 'text'::regtype and a.attnum > 0 and not a.attisdropped
              and exists (select 1 from pg_index i where i.indrelid = t.oid and a.attnum = any (i.indkey))
            """);
        command.Parameters.AddWithValue(tables);
        var columns = new Dictionary<string, string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns[reader.GetString(0)] = reader.GetString(1);

        Assert.Contains("guest_orders.order_id", columns.Keys);
        Assert.All(columns, c => Assert.True(c.Value == "C", $"{c.Key} is collated {c.Value}, not \"C\" (schema 015)"));
    }

    [Fact]
    public async Task After_random_operations_the_replayed_projections_equal_the_live_ones()
    {
        var chain = await api.NewChainAsync();
        var clock = Stopwatch.StartNew();
        var counts = await RandomOperationsAsync(chain, Operations, seed: 7);
        output.WriteLine($"{Operations} operations ({counts}) in {clock.Elapsed.TotalSeconds:0.0} s");

        clock.Restart();
        var report = await ReplayAsync(chain);
        output.WriteLine($"replayed {report["eventsReplayed"]} events in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(0, (long)report["differences"]!);
        Assert.True((bool)report["clean"]!);
        Assert.True((long)report["eventsReplayed"]! > Operations);
        var tables = report["tables"]!.AsArray().ToDictionary(t => (string)t!["table"]!, t => (long)t!["liveRows"]!);
        Assert.True(tables["points_lots"] > 0 && tables["guests"] > 0 && tables["accounting_entries"] > 0 && tables["guest_spend"] > 0,
            string.Join(", ", tables));
    }

    [Fact]
    public async Task A_live_row_changed_or_deleted_behind_the_ledger_is_named_and_progress_streams_first()
    {
        var chain = await api.NewChainAsync();
        await RandomOperationsAsync(chain, 40, seed: 11);
        var lot = await api.TextAsync("select lot_id from ledger.points_lots where chain_id = $1 order by lot_id limit 1", chain.Chain.Id);
        await api.ScalarAsync("with u as (update ledger.points_lots set remaining = remaining + 5 where lot_id = $1 returning 1) select count(*) from u", lot);
        var visit = await api.TextAsync("select guest_id from ledger.guest_visits where chain_id = $1 order by guest_id, restaurant_id limit 1", chain.Chain.Id);
        await api.ScalarAsync("with d as (delete from ledger.guest_visits where chain_id = $1 and guest_id = $2 and restaurant_id = (select min(restaurant_id) from ledger.guest_visits where chain_id = $1 and guest_id = $2) returning 1) select count(*) from d",
            chain.Chain.Id, visit);
        // The async projection's tables replay on a session of their own: a change there is named as well. It runs
        // behind the appends; a lot it has written never changes, and its checkpoint covers it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string issued;
        while ((issued = await api.TextAsync("select lot_id from ledger.accounting_lots where chain_id = $1 order by lot_id limit 1", chain.Chain.Id)) == "")
        {
            Assert.True(DateTime.UtcNow < deadline, "The accounting projection wrote no lot of the chain within 30 s.");
            await Task.Delay(50);
        }
        Assert.Equal(1, await api.ScalarAsync("with u as (update ledger.accounting_lots set point_value = point_value + 1 where lot_id = $1 returning 1) select count(*) from u", issued));

        using var request = new HttpRequestMessage(HttpMethod.Get, chain.Chain.Url("audit/replay"));
        request.Headers.Add("Accept", "application/x-ndjson");
        var response = await chain.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(lines[..^1], l => Assert.Equal("progress", (string)l["kind"]!));
        Assert.Equal((long)lines[^2]["total"]!, (long)lines[^2]["events"]!);
        Assert.Equal("result", (string)lines[^1]["kind"]!);
        var report = lines[^1]["result"]!;

        Assert.False((bool)report["clean"]!);
        Assert.Equal(3, (long)report["differences"]!);
        var lots = Table(report, "points_lots");
        Assert.Equal("changed", (string)lots["kind"]!);
        Assert.Equal($"lot_id={lot}", (string)lots["key"]!);
        Assert.Equal(["remaining"], lots["columns"]!.AsArray().Select(c => (string)c!));
        Assert.Equal((long)lots["replayed"]!["remaining"]! + 5, (long)lots["live"]!["remaining"]!);
        var visits = Table(report, "guest_visits");
        Assert.Equal("only-replay", (string)visits["kind"]!);
        Assert.Equal(visit, (string)visits["replayed"]!["guest_id"]!);
        var accountingLots = Table(report, "accounting_lots");
        Assert.Equal("changed", (string)accountingLots["kind"]!);
        Assert.Equal(["point_value"], accountingLots["columns"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public async Task Only_auditors_and_admins_replay()
    {
        var chain = await api.NewChainAsync();
        var counter = await chain.Chain.IssueKeyAsync("counter", "d1");
        var accountant = await chain.Chain.IssueKeyAsync("accountant");
        await (await counter.Client.GetAsync(chain.Chain.Url("audit/replay"))).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await accountant.Client.GetAsync(chain.Chain.Url("audit/replay"))).ShouldBeAsync(HttpStatusCode.Forbidden);
        var auditor = await chain.Chain.IssueKeyAsync("auditor");
        var report = await (await auditor.Client.GetAsync(chain.Chain.Url("audit/replay"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.True((bool)report["clean"]!);
    }

    [Fact]
    public async Task Rebuilding_the_inline_projections_repairs_rows_changed_behind_the_ledger_and_the_async_one_rebuilds_alone()
    {
        var chain = await api.NewChainAsync();
        await RandomOperationsAsync(chain, 60, seed: 13);
        var lot = await api.TextAsync("select lot_id from ledger.points_lots where chain_id = $1 order by lot_id limit 1", chain.Chain.Id);
        var remaining = await api.ScalarAsync("select remaining from ledger.points_lots where lot_id = $1", lot);
        await api.ScalarAsync("with u as (update ledger.points_lots set remaining = remaining + 5 where lot_id = $1 returning 1) select count(*) from u", lot);
        Assert.False((bool)(await ReplayAsync(chain))["clean"]!);
        var platform = api.Platform();

        var list = await (await platform.GetAsync("/v1/projections")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["chains:inline", "guests:inline", "points:inline", "memberships:inline", "accounting:async"],
            list.AsArray().Select(p => $"{(string)p!["name"]!}:{(string)p["kind"]!}"));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/projections/points/rebuild");
        request.Headers.Add("Accept", "application/x-ndjson");
        var response = await platform.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).ToList();
        var result = lines[^1]["result"]!;
        Assert.Equal(["chains", "guests", "points", "memberships"], result["projections"]!.AsArray().Select(p => (string)p!));
        Assert.Equal((long)lines[^2]["total"]!, (long)result["eventsReplayed"]!);
        Assert.Equal(remaining, await api.ScalarAsync("select remaining from ledger.points_lots where lot_id = $1", lot));
        Assert.True((bool)(await ReplayAsync(chain))["clean"]!);

        var accounting = await (await platform.PostAsync("/v1/projections/accounting/rebuild", null)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["accounting"], accounting["projections"]!.AsArray().Select(p => (string)p!));
        Assert.True((bool)(await ReplayAsync(chain))["clean"]!);

        await (await platform.PostAsync("/v1/projections/balances/rebuild", null)).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await chain.Admin.PostAsync("/v1/projections/points/rebuild", null)).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await chain.Admin.GetAsync("/v1/projections")).ShouldBeAsync(HttpStatusCode.Forbidden);
    }

    /// <summary>
    /// A replay and a rebuild hold row batches across pages and write them out when they pass a row limit, and merges
    /// and their undos write out only their guests' rows ahead of themselves: with pages of a few events and a limit
    /// of a few rows, every way of writing out happens, between earns, redeems, voids, merges and undos.
    /// </summary>
    [Fact]
    public async Task Folding_across_tiny_pages_and_writing_out_by_guest_replays_and_rebuilds_the_live_rows()
    {
        var chain = await api.NewChainAsync();
        var counts = await RandomOperationsAsync(chain, 500, seed: 23);
        output.WriteLine(counts);
        Assert.Contains("undo ", counts);
        var (dataSource, types, options) = (api.Services.GetRequiredService<NpgsqlDataSource>(),
            api.Services.GetRequiredService<EventTypeRegistry>(), api.Services.GetRequiredService<LedgerStoreOptions>());

        // Held to the end (merges find their guests' rows pending), and written out every few pages.
        foreach (var rowLimit in new[] { 1_000_000, 40 })
        {
            var replay = await new ReplayVerifier(dataSource, types, options) { PageSize = 7, RowLimit = rowLimit }
                .VerifyAsync(chain.Chain.Id);
            Assert.True(replay.Clean, $"row limit {rowLimit}: " +
                string.Join("; ", replay.Tables.SelectMany(t => t.First).Select(d => $"{d.Table} {d.Kind} {d.Key}")));
            Assert.True(replay.EventsReplayed > 500, $"{replay.EventsReplayed} events");
        }

        var lots = await api.ScalarAsync("select count(*) from ledger.points_lots where chain_id = $1", chain.Chain.Id);
        await new InlineRebuild(dataSource, types, options, NullLogger<InlineRebuild>.Instance) { PageSize = 5, RowLimit = 25 }.RebuildAsync();
        Assert.Equal(lots, await api.ScalarAsync("select count(*) from ledger.points_lots where chain_id = $1", chain.Chain.Id));
        Assert.True((bool)(await ReplayAsync(chain))["clean"]!);
    }

    /// <summary>
    /// A replay or a rebuild writing many new rows of a table copies them in (<see cref="RowInsert.CopyFrom"/>); the
    /// counter's appends insert theirs a few at a time. Both must give the same rows: the replay compares its copied
    /// rows with the live ones, and the rebuild must leave every live row as the appends wrote it.
    /// </summary>
    [Fact]
    public async Task Many_new_rows_copied_in_by_a_replay_or_a_rebuild_equal_the_rows_the_appends_wrote()
    {
        var chain = await api.NewChainAsync();
        await RandomOperationsAsync(chain, 2_500, seed: 31);
        var lots = await api.ScalarAsync("select count(*) from ledger.points_lots where chain_id = $1", chain.Chain.Id);
        Assert.True(lots > RowInsert.CopyFrom, $"{lots} lots: too few to be copied in");
        var (dataSource, types, options) = (api.Services.GetRequiredService<NpgsqlDataSource>(),
            api.Services.GetRequiredService<EventTypeRegistry>(), api.Services.GetRequiredService<LedgerStoreOptions>());

        var replay = await new ReplayVerifier(dataSource, types, options).VerifyAsync(chain.Chain.Id);
        Assert.True(replay.Clean, string.Join("; ", replay.Tables.SelectMany(t => t.First).Select(d => $"{d.Table} {d.Kind} {d.Key}")));

        var written = await FingerprintAsync();
        await new InlineRebuild(dataSource, types, options, NullLogger<InlineRebuild>.Instance).RebuildAsync();
        Assert.Equal(written, await FingerprintAsync());

        // Every column of the tables whose new rows are copied in, row by row in key order.
        async Task<string> FingerprintAsync() => await api.TextAsync("""
            select concat_ws('|',
              (select md5(string_agg(l::text, ',' order by l.lot_id)) from ledger.points_lots l where l.chain_id = $1),
              (select md5(string_agg(g::text, ',' order by g.guest_id)) from ledger.guests g where g.chain_id = $1),
              (select md5(string_agg(p::text, ',' order by p.guest_id)) from ledger.guest_points p where p.chain_id = $1),
              (select md5(string_agg(m::text, ',' order by m.guest_id)) from ledger.memberships m where m.chain_id = $1),
              (select md5(string_agg(s::text, ',' order by s.guest_id, s.restaurant_id, s.order_id)) from ledger.guest_spend s where s.chain_id = $1),
              (select md5(string_agg(i::text, ',' order by i.kind, i.value)) from ledger.guest_identifiers i where i.chain_id = $1))
            """, chain.Chain.Id);
    }

    /// <summary>
    /// A merge's statements run on the rows already written; a replay holding the two guests' rows must write out
    /// exactly theirs first. Here each guest has visits, a lot and spend the other lacks, all still pending at the merge.
    /// </summary>
    [Fact]
    public async Task A_merge_and_its_undo_move_the_rows_a_replay_still_holds()
    {
        var chain = await api.NewChainAsync();
        var (absorbedPhone, survivorPhone) = (Unique.Phone(), Unique.Phone());
        var absorbed = await chain.EarnAsync(On(2, 10), "d1", 400_000m, absorbedPhone, "m-1");
        var survivor = await chain.EarnAsync(On(2, 11), "d2", 300_000m, survivorPhone, "m-2");
        api.Clock.Set(On(2, 12));
        var merged = await (await chain.Admin.PostAsJsonAsync(chain.Chain.Url($"guests/{survivor}/merges"),
            new { otherGuestId = absorbed, reason = "same person" })).ShouldBeAsync(HttpStatusCode.Created);
        await chain.EarnAsync(On(2, 13), "d3", 200_000m, absorbedPhone, "m-3");
        var (dataSource, types, options) = (api.Services.GetRequiredService<NpgsqlDataSource>(),
            api.Services.GetRequiredService<EventTypeRegistry>(), api.Services.GetRequiredService<LedgerStoreOptions>());
        Assert.Equal(3, await api.ScalarAsync("select count(*) from ledger.guest_visits where guest_id = $1", survivor));

        await ReplayCleanAsync();

        api.Clock.Set(On(2, 14));
        await (await chain.Admin.PostAsJsonAsync(chain.Chain.Url($"guests/{survivor}/merges/{(string)merged["mergeId"]!}/undo"),
            new { reason = "not the same person" })).ShouldBeAsync(HttpStatusCode.OK);
        await ReplayCleanAsync();

        // One page: every row is pending at the merge. A page per event: rows that do not fold are written each page.
        async Task ReplayCleanAsync()
        {
            foreach (var pageSize in new[] { 10_000, 1 })
            {
                var replay = await new ReplayVerifier(dataSource, types, options) { PageSize = pageSize }.VerifyAsync(chain.Chain.Id);
                Assert.True(replay.Clean, $"pages of {pageSize}: " +
                    string.Join("; ", replay.Tables.SelectMany(t => t.First).Select(d => $"{d.Table} {d.Kind} {d.Key}")));
            }
        }
    }

    static JsonNode Table(JsonNode report, string table)
    {
        var t = report["tables"]!.AsArray().Single(t => (string)t!["table"]! == table)!;
        Assert.Equal(1, (long)t["differences"]!);
        return t["first"]!.AsArray().Single()!;
    }

    /// <summary>A replay of a long history outlasts HttpClient's default 100 s: its own client, without a timeout.</summary>
    async Task<JsonNode> ReplayAsync(AccountingChain chain)
    {
        using var client = api.ClientWith(chain.Chain.AdminKey.Secret);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return await (await client.GetAsync(chain.Chain.Url("audit/replay"))).ShouldBeAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// Earns, redeems (some refused), voids whole and partial, adjustments, merges, expiry runs and month closes, in
    /// POS time order across three restaurants and a pool of guests; returns how many of each.
    /// </summary>
    async Task<string> RandomOperationsAsync(AccountingChain chain, int operations, int seed)
    {
        var random = new Random(seed);
        var phones = Enumerable.Range(0, Math.Max(10, operations / 20)).Select(_ => Unique.Phone()).ToList();
        var guests = new Dictionary<string, string>();
        var orders = new List<(string Restaurant, string Order)>();
        var merges = new List<(string Survivor, string MergeId, string AbsorbedPhone, string AbsorbedId)>();
        var restaurants = new[] { "d1", "d2", "d3" };
        var counts = new Dictionary<string, int>();
        var at = On(1, 6);
        var month = at.Month;
        for (var i = 0; i < operations; i++)
        {
            at = at.AddMinutes(random.Next(1, 120));
            if (at.Month != month)
            {
                await chain.ExpireAsync(at);
                await chain.CloseAsync(at, $"{at.AddMonths(-1):yyyy-MM}");
                (month, counts["month-end"]) = (at.Month, counts.GetValueOrDefault("month-end") + 1);
            }
            var phone = phones[random.Next(phones.Count)];
            var restaurant = restaurants[random.Next(3)];
            var order = $"o-{i}";
            string kind;
            switch (random.Next(100))
            {
                case < 45:
                    guests[phone] = await chain.EarnAsync(at, restaurant, random.Next(1, 40) * 50_000m, phone, order);
                    orders.Add((restaurant, order));
                    kind = "earn";
                    break;
                case < 65:
                    api.Clock.Set(at);
                    var redeemed = await chain.Admin.PostAsJsonAsync(chain.Chain.Url("redeem"), new
                        { restaurantId = restaurant, orderId = order, points = random.Next(5, 80), occurredAt = at, guest = new { phone } });
                    if (redeemed.IsSuccessStatusCode) orders.Add((restaurant, order));
                    kind = redeemed.IsSuccessStatusCode ? "redeem" : "redeem-refused";
                    break;
                case < 80 when orders.Count > 0:
                    var (r, o) = orders[random.Next(orders.Count)];
                    api.Clock.Set(at);
                    var voided = await chain.Admin.PostJsonAsync(chain.Chain.Url($"orders/{r}/{o}/void"),
                        random.Next(2) == 0 ? new { occurredAt = at } : new { amount = (decimal?)random.Next(1, 10) * 10_000m, occurredAt = at },
                        $"v-{i}");
                    kind = voided.IsSuccessStatusCode ? "void" : "void-refused";
                    break;
                case < 92 when guests.Count > 0:
                    api.Clock.Set(at);
                    var adjusted = await chain.Admin.PostJsonAsync(chain.Chain.Url($"guests/{guests.Values.ElementAt(random.Next(guests.Count))}/adjustments"),
                        Requests.Adjust(random.Next(2) == 0 ? 7 : -3, restaurant), $"a-{i}");
                    kind = adjusted.IsSuccessStatusCode ? "adjust" : "adjust-refused";
                    break;
                case < 94 when guests.Count > 1:
                    var pair = guests.OrderBy(_ => random.Next()).Take(2).ToList();
                    api.Clock.Set(at);
                    var merged = await chain.Admin.PostAsJsonAsync(chain.Chain.Url($"guests/{pair[0].Value}/merges"),
                        new { otherGuestId = pair[1].Value, reason = "same person" });
                    if (merged.IsSuccessStatusCode)
                    {
                        var body = (await merged.Content.ReadFromJsonAsync<JsonObject>())!;
                        merges.Add((pair[0].Value, (string)body["mergeId"]!, pair[1].Key, (string)body["absorbedId"]!));
                        guests[pair[1].Key] = pair[0].Value;
                    }
                    kind = merged.IsSuccessStatusCode ? "merge" : "merge-refused";
                    break;
                case < 95 when merges.Count > 0:
                    var (survivor, mergeId, absorbedPhone, absorbedId) = merges[^1];
                    merges.RemoveAt(merges.Count - 1);
                    api.Clock.Set(at);
                    var undone = await chain.Admin.PostAsJsonAsync(chain.Chain.Url($"guests/{survivor}/merges/{mergeId}/undo"),
                        new { reason = "not the same person" });
                    if (undone.IsSuccessStatusCode) guests[absorbedPhone] = absorbedId;
                    kind = undone.IsSuccessStatusCode ? "undo" : "undo-refused";
                    break;
                default:
                    guests[phone] = await chain.EarnAsync(at, restaurant, 100_000m, phone, order);
                    orders.Add((restaurant, order));
                    kind = "earn";
                    break;
            }
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }
        return string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));
    }
}
