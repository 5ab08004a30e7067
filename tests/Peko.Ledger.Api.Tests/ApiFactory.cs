using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// The service over HTTP (in memory), on a database of its own in the shared test PostgreSQL, with a platform admin
/// key of its own and a rate limit high enough that only the rate-limit tests meet it.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    readonly LedgerDatabase _database = new();

    public string ConnectionString => _database.ConnectionString;

    /// <summary>The platform admin key (<c>Peko:AdminKey</c>) of this host.</summary>
    public string AdminKey { get; } = "pk_admin_test_" + Guid.NewGuid().ToString("N");

    protected virtual int PermitsPerSecond => 100_000;
    protected virtual int Burst => 100_000;

    /// <summary>
    /// Starts the host on a thread of the pool. The test run resumes after a database read on the socket thread
    /// (tests/tests.runsettings, as the service runs), and the factory starts its host synchronously: started from
    /// that thread, the host's own first connection would wait for the very thread it blocks.
    /// </summary>
    public virtual async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await Task.Run(StartServer);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Ledger", _database.ConnectionString);
        builder.UseSetting("Peko:AdminKey", AdminKey);
        builder.UseSetting("Peko:RateLimit:PermitsPerSecond", PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Peko:RateLimit:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Nightly jobs running on their own would move balances and tiers under the tests; scheduler tests drive it by hand.
        builder.UseSetting("Peko:Scheduler:Enabled", "false");
        // Commits left "committing" are looked for at start-up only; the resume tests start instances to see it.
        builder.UseSetting("Peko:Migration:ResumeEverySeconds", "0");
    }

    /// <summary>A client that sends <c>Authorization: Bearer {key}</c> (none when <paramref name="key"/> is null).</summary>
    public HttpClient ClientWith(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Platform() => ClientWith(AdminKey);

    /// <summary>A single number from the ledger database, read directly (to check what was, or was not, written).</summary>
    public async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A single text value from the ledger database, read directly; the statement may also write (tampering).</summary>
    public async Task<string> TextAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    /// <summary>Rows that any write leaves behind: events and stored idempotent responses.</summary>
    public async Task<(long Events, long Responses)> WrittenAsync() =>
        (await ScalarAsync("select count(*) from ledger.events"),
         await ScalarAsync("select count(*) from ledger.idempotency_records"));

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _database.DisposeAsync();
    }
}
