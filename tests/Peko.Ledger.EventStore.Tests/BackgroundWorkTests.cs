using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>
/// The test run sets <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> (tests/tests.runsettings), as the service
/// does for itself: code after a database read that had to wait resumes on the runtime's socket thread, which is not a
/// thread of the pool. <see cref="BackgroundWork"/> must bring long work back to the pool after every such await.
/// Each read sleeps a little on the server, so that it waits on the socket rather than finding its answer ready.
/// </summary>
public sealed class BackgroundWorkTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    async Task<bool> WaitForTheDatabaseAsync()
    {
        await using var command = db.DataSource.CreateCommand("select pg_sleep(0.02)");
        await command.ExecuteNonQueryAsync();
        return Thread.CurrentThread.IsThreadPoolThread;
    }

    [Fact]
    public async Task In_this_test_run_a_read_that_waited_resumes_on_the_socket_thread()
    {
        var onThePool = await Task.Run(async () => new[] { await WaitForTheDatabaseAsync(), await WaitForTheDatabaseAsync() });

        Assert.Equal([false, false], onThePool);
    }

    [Fact]
    public async Task Background_work_resumes_on_the_thread_pool_after_every_read_even_in_methods_it_calls()
    {
        var onThePool = await BackgroundWork.Run(async () =>
        {
            var seen = new List<bool>();
            for (var i = 0; i < 3; i++) seen.Add(await WaitForTheDatabaseAsync());
            seen.AddRange(await Task.WhenAll(WaitForTheDatabaseAsync(), WaitForTheDatabaseAsync()));
            seen.Add(Thread.CurrentThread.IsThreadPoolThread);
            return seen;
        });

        Assert.Equal(Enumerable.Repeat(true, 6), onThePool);
    }

    [Fact]
    public async Task Background_work_that_throws_hands_its_exception_to_the_caller()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => BackgroundWork.Run(async () =>
        {
            await WaitForTheDatabaseAsync();
            throw new InvalidOperationException("the job failed");
        }));

        Assert.Equal("the job failed", failure.Message);
    }
}
