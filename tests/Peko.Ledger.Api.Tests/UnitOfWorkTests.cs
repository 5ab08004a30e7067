using Npgsql;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests;

/// <summary>A counter command's transaction: what its first batch sets, and for how long.</summary>
public sealed class UnitOfWorkTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Theory]
    [InlineData(true, "force_generic_plan")]
    [InlineData(false, "auto")]
    public async Task Generic_plans_hold_for_the_units_own_transaction_only(bool genericPlans, string inside)
    {
        await using var work = await UnitOfWork.BeginAsync(db.DataSource, default, genericPlans);
        await using (var batch = work.LockBatch(["unit-of-work-test"]))
        {
            // The caller skips one result set per statement already in the batch, as the counter does.
            var before = batch.BatchCommands.Count;
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select current_setting('plan_cache_mode')"));
            await using var reader = await batch.ExecuteReaderAsync();
            for (var i = 0; i < before; i++) await reader.NextResultAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(inside, reader.GetString(0));
        }
        await work.CommitAsync(default);

        // The connection goes back to the pool as it came: the setting ended with the transaction.
        await using var after = new NpgsqlCommand("select current_setting('plan_cache_mode')", work.Connection);
        Assert.Equal("auto", await after.ExecuteScalarAsync());
    }
}
