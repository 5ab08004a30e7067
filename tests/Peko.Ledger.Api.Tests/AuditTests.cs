using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>Verify, the NDJSON export checked by an auditor's own tool, and the record of auditors' reads (issue 7).</summary>
public sealed class AuditTests(AuditedChain api) : IClassFixture<AuditedChain>
{
    HttpClient Auditor => api.Auditor.Client;

    /// <summary>Earns, a redeem, a void and a merge: single- and multi-stream appends, with and without metadata.</summary>
    async Task<(string Ann, string Binh)> StoryAsync()
    {
        var (annPhone, binhPhone) = (Unique.Phone(), Unique.Phone());
        var ann = (string)(await api.Chain.EarnAsync(api.CounterD1.Client, "d1", 1_200_000m, new { phone = annPhone, name = "Ann Nguyễn" }))["guestId"]!;
        var order = Unique.Order();
        await api.Chain.EarnAsync(api.Chain.Admin, "d2", 800_000m, new { phone = annPhone }, order);
        await api.Chain.RedeemAsync(api.CounterD1.Client, "d1", 50, new { phone = annPhone });
        await (await api.Chain.Admin.PostAsJsonAsync(api.Chain.Url($"orders/d2/{order}/void"), new { amount = 300_000m }))
            .ShouldBeAsync(HttpStatusCode.OK);
        var binh = (string)(await api.Chain.EarnAsync(api.Chain.Admin, "d2", 500_000m, new { phone = binhPhone }))["guestId"]!;
        await (await api.Chain.Admin.PostAsJsonAsync(api.Chain.Url($"guests/{ann}/merges"), new { otherGuestId = binh, reason = "same person" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        await api.AllBelowTheHorizonAsync();
        return (ann, binh);
    }

    async Task<string> ExportAsync(string query = "")
    {
        var response = await Auditor.GetAsync(api.Chain.Url($"audit/export{query}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    static List<JsonNode> Lines(string ndjson) => [.. ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

    async Task<JsonNode> VerifyAsync() => await (await Auditor.GetAsync(api.Chain.Url("audit/verify"))).ShouldBeAsync(HttpStatusCode.OK);

    [Fact]
    public async Task A_whole_export_checks_out_with_an_independent_tool_and_a_changed_line_does_not()
    {
        await StoryAsync();
        var verified = await VerifyAsync();
        Assert.True((bool)verified["clean"]!, verified.ToJsonString());

        var export = await ExportAsync();
        var lines = Lines(export);

        Assert.Empty(ExportChecker.Check(export));
        Assert.Equal(await api.ScalarAsync("select count(*) from ledger.events where chain_id = 'audited-chain'"),
            lines.Count(l => (string)l["kind"]! == "event"));
        Assert.True(lines.Count(l => (string)l["kind"]! == "checkpoint") >= 4);
        var redeemed = export.Split('\n').First(l => l.Contains("\"type\":\"points-redeemed\"", StringComparison.Ordinal));
        var tampered = export.Replace(redeemed, redeemed.Replace("\\\"points\\\": 50", "\\\"points\\\": 5", StringComparison.Ordinal));
        Assert.NotEqual(export, tampered);
        Assert.Single(ExportChecker.Check(tampered));
    }

    [Fact]
    public async Task An_export_of_a_stretch_checks_out_from_the_running_hash_before_it()
    {
        await StoryAsync();
        await VerifyAsync(); // seals
        var all = Lines(await ExportAsync()).Where(l => (string)l["kind"]! == "event").ToList();
        var from = (string)all[all.Count / 2]["recordedAt"]!;

        var stretch = await ExportAsync($"?from={Uri.EscapeDataString(from)}");
        var header = Lines(stretch)[0];

        Assert.Empty(ExportChecker.Check(stretch));
        Assert.True((long)header["eventsBefore"]! > 0);
        Assert.True(Lines(stretch).Count(l => (string)l["kind"]! == "event") < all.Count);
    }

    [Fact]
    public async Task Verify_over_http_names_an_edited_event()
    {
        var (ann, _) = await StoryAsync();
        var seq = await api.ScalarAsync("select min(seq) from ledger.events where stream_id = $1", $"points-{ann}");
        var points = await api.ScalarAsync("select (data->>'points')::bigint from ledger.events where seq = $1", seq);
        const string SetPoints = "with u as (update ledger.events set data = jsonb_set(data, '{points}', to_jsonb($2)) where seq = $1 returning 1) select count(*) from u";
        await api.ScalarAsync(SetPoints, seq, 5000L);

        var report = await VerifyAsync();
        await api.ScalarAsync(SetPoints, seq, points); // the tests of this class share the chain: put it back

        Assert.False((bool)report["clean"]!);
        var finding = Assert.Single(report["findings"]!.AsArray())!;
        Assert.Equal(("edited", $"points-{ann}", 1L, seq), ((string)finding["kind"]!, (string)finding["streamId"]!, (long)finding["version"]!, (long)finding["seq"]!));
    }

    [Fact]
    public async Task The_nightly_seal_verifies_then_seals_and_fails_sealing_nothing_when_an_event_was_changed()
    {
        var (ann, _) = await StoryAsync();
        var seq = await api.ScalarAsync("select min(seq) from ledger.events where stream_id = $1", $"points-{ann}");
        var points = await api.ScalarAsync("select (data->>'points')::bigint from ledger.events where seq = $1", seq);
        const string SetPoints = "with u as (update ledger.events set data = jsonb_set(data, '{points}', to_jsonb($2)) where seq = $1 returning 1) select count(*) from u";
        const string Sealed = "select count(*) from ledger.audit_checkpoints where chain_id = 'audited-chain'";
        await api.ScalarAsync(SetPoints, seq, 5000L);
        var before = await api.ScalarAsync(Sealed);
        HttpResponseMessage failed;
        try
        {
            failed = await api.Chain.Admin.PostAsync(api.Chain.Url("jobs/seal-log"), null);
        }
        finally
        {
            await api.ScalarAsync(SetPoints, seq, points); // the tests of this class share the chain: put it back
        }
        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        Assert.EndsWith("tamper-found", (string)JsonNode.Parse(await failed.Content.ReadAsStringAsync())!["type"]!);
        Assert.Equal(before, await api.ScalarAsync(Sealed));
        var runs = await (await api.Chain.Admin.GetAsync(api.Chain.Url("jobs?limit=1"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("seal-log", "failed", "TamperFoundException"),
            ((string)runs[0]!["job"]!, (string)runs[0]!["status"]!, (string)runs[0]!["error"]!));

        await StoryAsync(); // more events, so a new checkpoint (every 5 events here) is due
        var run = await (await api.Chain.Admin.PostAsync(api.Chain.Url("jobs/seal-log"), null)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("succeeded", (string)run["status"]!);
        Assert.True((long)run["eventsWritten"]! > 0);
        Assert.Equal(before + (long)run["eventsWritten"]!, await api.ScalarAsync(Sealed));
    }

    [Fact]
    public async Task Every_read_an_auditor_makes_is_recorded_without_personal_data()
    {
        var (ann, _) = await StoryAsync();
        var before = await api.ScalarAsync("select count(*) from ledger.audit_reads where key_id = $1", api.Auditor.KeyId);

        await (await Auditor.GetAsync(api.Chain.Url($"guests/{ann}/as-of?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")))
            .ShouldBeAsync(HttpStatusCode.OK);
        await (await Auditor.GetAsync(api.Chain.Url($"guests/{ann}/history"))).ShouldBeAsync(HttpStatusCode.OK);
        await (await Auditor.GetAsync(api.Chain.Url("lookup?phone=0903123482"))).ProblemAsync(HttpStatusCode.Forbidden);
        await ExportAsync();
        await (await api.CounterD1.Client.GetAsync(api.Chain.Url("audit/export"))).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(before + 4, await api.ScalarAsync("select count(*) from ledger.audit_reads where key_id = $1", api.Auditor.KeyId));
        Assert.Equal(1, await api.ScalarAsync("""
            select count(*) from ledger.audit_reads
            where key_id = $1 and role = 'auditor' and chain_id = 'audited-chain' and target = $2 and action like '%as-of' and status = 200
            """, api.Auditor.KeyId, ann));
        Assert.Equal(1, await api.ScalarAsync("select count(*) from ledger.audit_reads where key_id = $1 and status = 403", api.CounterD1.KeyId));
        Assert.Equal(0, await api.ScalarAsync("select count(*) from ledger.audit_reads where action like '%0903%' or target like '%0903%'"));
    }
}
