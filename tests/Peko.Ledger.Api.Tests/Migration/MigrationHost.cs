using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>
/// The service on a clock set to 1 November 2026 (09:00 UTC), for migrations: each test makes its own VND chain with
/// restaurants d1, d2 and d3, so tests share nothing but the host.
/// </summary>
public sealed class MigrationHost : ApiFactory
{
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public Task<TestChain> NewChainAsync() =>
        TestChain.CreateAsync(this, Unique.Chain(), [("d1", "Phở Đông Du"), ("d2", "Phở Lê Lợi"), ("d3", "Phở Thảo Điền")]);

    public static async Task<HttpResponseMessage> UploadAsync(TestChain chain, string restaurantId, string preset, byte[] file,
        string? mapping = null, HttpClient? by = null)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", $"{restaurantId}-{preset}.csv");
        form.Add(new StringContent(restaurantId), "restaurantId");
        form.Add(new StringContent(preset), "preset");
        if (mapping is not null) form.Add(new StringContent(mapping), "mapping", "mapping.json");
        return await (by ?? chain.Admin).PostAsync(chain.Url("migrations"), form);
    }

    /// <summary>Uploads for a dry run and asserts 201; returns the migration.</summary>
    public static async Task<JsonNode> DryRunAsync(TestChain chain, string restaurantId, string preset, byte[] file) =>
        await (await UploadAsync(chain, restaurantId, preset, file)).ShouldBeAsync(HttpStatusCode.Created);

    /// <summary>Asks for the commit and waits (polling GET) until it is committed; returns the migration.</summary>
    public static async Task<JsonNode> CommitAsync(TestChain chain, string migrationId)
    {
        var asked = await chain.Admin.PostAsync(chain.Url($"migrations/{migrationId}/commit"), null);
        Assert.True(asked.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, await asked.Content.ReadAsStringAsync());
        return await CommittedAsync(chain, migrationId);
    }

    public static async Task<JsonNode> CommittedAsync(TestChain chain, string migrationId)
    {
        for (var wait = 0; wait < 600; wait++)
        {
            var view = await (await chain.Admin.GetAsync(chain.Url($"migrations/{migrationId}"))).ShouldBeAsync(HttpStatusCode.OK);
            var status = (string)view["status"]!;
            if (status == "committed") return view;
            Assert.True(status != "failed", $"The commit failed: {view["error"]}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"Migration {migrationId} was not committed within a minute.");
    }

    public const string EventCounts = "select type, count(*) from ledger.events where chain_id = $1 group by type order by type";

    /// <summary>Each identifier with its guest's lots (issuer, points, left, expiry) and tier: what the ledger holds, ids aside.</summary>
    public Task<List<string>> GuestsAsync(TestChain chain) => RowsAsync("""
        select i.kind, i.value, coalesce(m.tier, ''),
               (select string_agg(l.restaurant_id || ' ' || l.points || ' ' || l.remaining || ' ' || l.expires_on, ', ' order by l.restaurant_id, l.points)
                from ledger.points_lots l where l.guest_id = i.guest_id)
        from ledger.guest_identifiers i join ledger.memberships m on m.guest_id = i.guest_id
        where i.chain_id = $1 order by i.kind, i.value
        """, chain.Id);

    /// <summary>Rows of a query, each as its columns joined by '|'.</summary>
    public async Task<List<string>> RowsAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" :
                Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    public Task<long> EventsAsync(TestChain chain) => ScalarAsync("select count(*) from ledger.events where chain_id = $1", chain.Id);

    /// <summary>Points the ledger's lots hold from migrations, issued by the restaurant.</summary>
    public Task<long> MigratedLotsAsync(TestChain chain, string restaurantId) => ScalarAsync(
        "select coalesce(sum(points), 0) from ledger.points_lots where chain_id = $1 and restaurant_id = $2 and lot_id like 'lot_mig_%'",
        chain.Id, restaurantId);
}

/// <summary>A crash between two batches of a commit, thrown by the test's progress callback.</summary>
public sealed class SimulatedCrash() : Exception("The commit was killed here.");

public static class MigrationHostExtensions
{
    /// <summary>A commit of this host's services with small batches that crashes once that many groups are committed.</summary>
    public static Features.Migration.MigrationCommit CommitWith(this MigrationHost api, int batchSize, int crashAfterGroups) =>
        CommitWith(api.Services, batchSize, progress => { if (progress.GroupsDone >= crashAfterGroups) throw new SimulatedCrash(); });

    /// <summary>A commit of these services with that batch size, calling <paramref name="afterBatch"/> after each batch.</summary>
    public static Features.Migration.MigrationCommit CommitWith(IServiceProvider services, int batchSize,
        Action<Features.Migration.MigrationProgress> afterBatch) =>
        new(services.GetRequiredService<EventStore.LedgerStore>(), services.GetRequiredService<Features.Chains.ChainDirectory>(),
            services.GetRequiredService<Features.Migration.MigrationRecords>(), services.GetRequiredService<Features.Migration.MemberStaging>(),
            services.GetRequiredService<TimeProvider>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Features.Migration.MigrationCommit>.Instance)
        {
            BatchSize = batchSize,
            AfterBatch = afterBatch,
        };

    public static Features.Auth.Caller AdminOf(this MigrationHost api, TestChain chain) =>
        new(chain.AdminKey.KeyId, Features.Auth.Role.Admin, chain.Id, null);
}
