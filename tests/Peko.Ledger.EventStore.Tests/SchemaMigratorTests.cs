using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

public sealed class SchemaMigratorTests(EmptyDatabase db) : IClassFixture<EmptyDatabase>
{
    [Fact]
    public async Task An_empty_database_is_migrated_once_even_when_several_processes_start_together()
    {
        var migrators = Enumerable.Range(0, 4).Select(_ => new SchemaMigrator(db.DataSource)).ToList();

        var applied = await Task.WhenAll(migrators.Select(m => m.MigrateAsync()));

        Assert.Equal(SchemaMigrator.Scripts.Count, applied.Sum(a => a.Count));
        Assert.Equal(SchemaMigrator.LatestVersion, await migrators[0].CurrentVersionAsync());
        Assert.Empty(await migrators[0].MigrateAsync());
        Assert.Equal(0, await TestStore.CountAsync(db.DataSource, "select count(*) from ledger.events"));
    }
}
