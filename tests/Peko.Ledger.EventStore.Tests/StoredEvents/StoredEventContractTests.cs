using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.EventStore.Tests.StoredEvents;

/// <summary>
/// A stored event is a contract (STYLE.md): rows written today must load in every later version, and verify re-hashes
/// their exact bytes. Each registered type's JSON is approved in <c>Approved/{stored name}.json</c>; a change to it
/// fails here and must be a decision (docs/architecture.md, "Changing a stored event").
/// </summary>
public sealed class StoredEventContractTests
{
    static readonly EventTypeRegistry Types = new EventTypeRegistry().RegisterLedgerEvents();

    public static TheoryData<string> RegisteredNames => [.. Types.Registered.Keys.Order(StringComparer.Ordinal)];

    public static TheoryData<string> ApprovedNames => [.. ApprovedFileNames()];

    [Fact]
    public void Every_stored_event_type_has_one_sample()
    {
        var sampled = StoredEventSamples.All.Select(e => Types.NameOf(e.GetType())).Order(StringComparer.Ordinal);

        Assert.Equal(Types.Registered.Keys.Order(StringComparer.Ordinal), sampled);
    }

    [Theory]
    [MemberData(nameof(RegisteredNames))]
    public void A_sample_sets_every_field_so_its_approved_file_shows_them(string name)
    {
        var json = JsonNode.Parse(Types.Serialize(Sample(name)))!;

        Assert.Empty(Unset(json, "$"));
    }

    [Theory]
    [MemberData(nameof(RegisteredNames))]
    public void The_json_stored_for_an_event_is_the_approved_one(string name)
    {
        var received = Indented(Types.Serialize(Sample(name)));
        var approved = ApprovedPath(name);
        var received_path = Path.ChangeExtension(approved, ".received.json");

        if (File.Exists(approved) && File.ReadAllText(approved).ReplaceLineEndings("\n") == received)
        {
            File.Delete(received_path);
            return;
        }
        File.WriteAllText(received_path, received);
        Assert.Fail($"""
            The JSON stored for '{name}' changed, and rows already stored keep the old shape.
            Received: {received_path}
            If old rows still load as they should (a field added with a default), approve it:
                mv {received_path} {approved}
            Otherwise register the new shape under a new name with an upcaster from '{name}', and keep this file:
            docs/architecture.md, "Changing a stored event".
            """);
    }

    [Theory]
    [MemberData(nameof(ApprovedNames))]
    public void An_approved_stored_event_still_loads_as_the_event_it_was(string name)
    {
        var json = File.ReadAllText(ApprovedPath(name));

        var loaded = Types.Deserialize(name, json);

        var undecodable = loaded as UndecodableEvent;
        Assert.True(undecodable is null, $"'{name}' no longer loads: {undecodable?.Reason}");
        // A current name loads as the very event it was written from (a renumbered enum member would load as another);
        // an old, upcast name only has to load.
        if (Types.Registered.ContainsKey(name))
            Assert.Equal(Indented(Types.Serialize(Sample(name))), Indented(Types.Serialize(loaded)));
    }

    [Fact]
    public void The_approved_files_are_those_of_registered_events()
    {
        // An approved file outside the registry is a type whose stored rows would no longer load, unless it is an old
        // name upcast to a current one, which the test above loads.
        var unknown = ApprovedFileNames()
            .Where(n => Types.Deserialize(n, File.ReadAllText(ApprovedPath(n))) is UndecodableEvent);

        Assert.Empty(unknown);
        Assert.NotEmpty(ApprovedFileNames());
    }

    static object Sample(string name) => StoredEventSamples.All.Single(e => Types.NameOf(e.GetType()) == name);

    static IEnumerable<string> Unset(JsonNode? node, string path) => node switch
    {
        null => [path],
        JsonObject o => o.SelectMany(p => Unset(p.Value, $"{path}.{p.Key}")),
        JsonArray { Count: 0 } => [path + "[]"],
        JsonArray a => a.SelectMany((v, i) => Unset(v, $"{path}[{i}]")),
        _ => [],
    };

    // Approved files are read by people: Vietnamese names and '+' stay as they are. PostgreSQL's jsonb keeps neither
    // escape nor key order as sent, so the files pin the fields and their values, not the sent bytes.
    static readonly JsonSerializerOptions IndentedJson =
        new() { WriteIndented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static string Indented(string json) => JsonNode.Parse(json)!.ToJsonString(IndentedJson).ReplaceLineEndings("\n") + "\n";

    /// <summary>The stored names that have an approved file.</summary>
    static string[] ApprovedFileNames() =>
        Directory.GetFiles(ApprovedDirectory(), "*.json").Select(f => Path.GetFileName(f)[..^".json".Length])
            .Where(n => !n.EndsWith(".received", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    static string ApprovedPath(string name) => Path.Combine(ApprovedDirectory(), name + ".json");

    static string ApprovedDirectory([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Approved");
}
