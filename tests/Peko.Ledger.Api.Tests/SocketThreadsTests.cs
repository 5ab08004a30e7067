using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Peko.Ledger.Api.Hosting;
using LedgerDatabase = Peko.Ledger.Testing.LedgerDatabase;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// <see cref="SocketThreads.UseSocketThreadsForTills"/>: a route marked for the till resumes after a database read on
/// the socket thread (the test run has the switch on, tests/tests.runsettings), any other route on the thread pool.
/// Each route reads something the server makes it wait for, then answers whether it is on a thread of the pool.
/// </summary>
public sealed class SocketThreadsTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task Only_the_routes_marked_for_the_till_resume_on_the_socket_threads()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.UseSocketThreadsForTills();
        app.MapGet("/till", WaitThenTellAsync).RunOnSocketThreads();
        app.MapGet("/report", WaitThenTellAsync);
        await Task.Run(() => app.StartAsync());
        using var client = app.GetTestClient();

        Assert.Equal("socket thread", await client.GetStringAsync("/till"));
        Assert.Equal("thread pool", await client.GetStringAsync("/report"));
    }

    async Task<string> WaitThenTellAsync()
    {
        await using var command = db.DataSource.CreateCommand("select pg_sleep(0.02)");
        await command.ExecuteNonQueryAsync();
        var onThePool = Thread.CurrentThread.IsThreadPoolThread;
        await command.ExecuteNonQueryAsync();
        return onThePool && Thread.CurrentThread.IsThreadPoolThread ? "thread pool" : onThePool ? "mixed" : "socket thread";
    }
}
