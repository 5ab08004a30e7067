using System.Text.Json.Nodes;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

public sealed class UpcasterTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task An_event_stored_by_older_code_loads_through_its_upcaster()
    {
        // Version 1 of the record was Renamed(string FullName), stored as "renamed"; the current one is
        // Renamed(string Name), stored as "renamed.v2".
        var types = TestStore.Types().AddUpcaster("renamed", "renamed.v2",
            old => new JsonObject { ["name"] = old["fullName"]?.GetValue<string>() });
        var store = TestStore.Create(db.DataSource, types: types);
        await store.AppendAsync(TestStore.Chain, new StreamAppend("guest-1", "guest", ExpectedVersion.NoStream,
            new Renamed("new shape")));
        await using (var insert = db.DataSource.CreateCommand("""
            insert into ledger.events (stream_id, version, type, data, chain_id, recorded_at)
            values ('guest-1', 2, 'renamed', '{"fullName": "Nguyễn Thị Linh"}', 'test-chain', now())
            """))
            await insert.ExecuteNonQueryAsync();

        var events = await store.ReadStreamAsync("guest-1");

        Assert.Equal([new Renamed("new shape"), new Renamed("Nguyễn Thị Linh")], events.Select(e => e.Data));
        Assert.Equal(["renamed", "renamed.v2"], types.StoredNamesOf(typeof(Renamed)).Order());
    }

    [Fact]
    public void An_unknown_type_loads_as_undecodable_instead_of_throwing()
    {
        var loaded = TestStore.Types().Deserialize("gone-away", "{}");

        Assert.Contains("gone-away", Assert.IsType<UndecodableEvent>(loaded).Reason);
    }

    [Fact]
    public void Upcasters_may_not_loop_or_shadow_a_current_name()
    {
        var types = TestStore.Types().AddUpcaster("a", "b", o => o);

        Assert.Throws<InvalidOperationException>(() => types.AddUpcaster("b", "a", o => o));
        Assert.Throws<InvalidOperationException>(() => types.AddUpcaster("deposited", "withdrawn", o => o));
    }
}
