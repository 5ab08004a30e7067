using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests;

/// <summary>The service over HTTP (in memory), on a database of its own in the shared test PostgreSQL.</summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    readonly LedgerDatabase _database = new();

    public string ConnectionString => _database.ConnectionString;

    public async Task InitializeAsync() => await _database.InitializeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Ledger", _database.ConnectionString);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _database.DisposeAsync();
    }
}
