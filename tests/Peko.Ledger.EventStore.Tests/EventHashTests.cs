using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>
/// The event hash against values computed by the Python of docs/audit.md, sharing no code with the service: the
/// canonical form is a contract with auditors' tools, so no byte of it may move.
/// </summary>
public sealed class EventHashTests
{
    static AuditedEvent Event(string chain, string stream, long version, string type, string data, DateTimeOffset at,
        string? correlation = null, string? causation = null, string? actor = null, string? restaurant = null,
        string? idempotencyKey = null) =>
        new(1, 1, chain, stream, version, type, data, at, correlation, causation, actor, restaurant, idempotencyKey, null, null);

    [Fact]
    public void A_first_event_with_no_metadata_hashes_as_the_documented_form()
    {
        var e = Event("c", "s", 1, "t", "{}", new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));

        Assert.Equal("0f8a7578013e02f557f371baa3e85fe3f4f746a227beaaea29168b861c127404", EventHash.Hex(EventHash.Compute(e, null)));
    }

    [Fact]
    public void Multibyte_text_a_long_data_and_a_previous_hash_hash_as_the_documented_form()
    {
        var data = "{\"note\": \"" + string.Concat(Enumerable.Repeat("Phở ✓ ", 200)) + "\", \"amount\": 12}";
        var at = new DateTimeOffset(2026, 11, 1, 16, 0, 0, TimeSpan.FromHours(7)).AddTicks(1_234_560);
        var e = Event("chain-ä", "points-gst_1", 12, "points-earned", data, at, "corr \"1\"", actor: "key-ä", restaurant: "d1");
        byte[] previous = [.. Enumerable.Repeat((byte)0x00, 16), .. Enumerable.Repeat((byte)0xff, 16)];

        Assert.Equal("0a404d7c39fd9a148a7fa7a9c69d33e942737dd4ece56f8fa0617c15e3ac2606", EventHash.Hex(EventHash.Compute(e, previous)));
    }
}
