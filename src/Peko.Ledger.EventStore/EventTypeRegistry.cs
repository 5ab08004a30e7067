using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Peko.Ledger.EventStore;

/// <summary>
/// Maps event records to the stable names they are stored under, and loads stored JSON back into records,
/// running upcasters first. A stored event is a contract: renaming a record or changing its shape must
/// not make old rows unreadable. When a record's shape changes, register it under a new name
/// (e.g. <c>points-earned.v2</c>) and add an upcaster from the old name that rewrites the old JSON.
/// </summary>
public sealed class EventTypeRegistry
{
    readonly Dictionary<Type, string> _names = [];
    readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);
    readonly Dictionary<string, Upcaster> _upcasters = new(StringComparer.Ordinal);

    public EventTypeRegistry(JsonSerializerOptions? options = null) =>
        SerializerOptions = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    public JsonSerializerOptions SerializerOptions { get; }

    public EventTypeRegistry Register<T>(string name) => Register(typeof(T), name);

    public EventTypeRegistry Register(Type type, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_types.TryGetValue(name, out var existing) && existing != type)
            throw new InvalidOperationException($"Event name '{name}' is already registered for {existing.Name}.");
        if (_names.TryGetValue(type, out var existingName) && existingName != name)
            throw new InvalidOperationException($"{type.Name} is already registered as '{existingName}'.");
        if (_upcasters.ContainsKey(name))
            throw new InvalidOperationException($"'{name}' has an upcaster, so it is an old name and cannot be current.");
        _names[type] = name;
        _types[name] = type;
        return this;
    }

    /// <summary>
    /// Rows stored under <paramref name="fromName"/> are rewritten by <paramref name="upcast"/> and then loaded as
    /// <paramref name="toName"/> (which may itself be upcast further). Runs on every read path.
    /// </summary>
    public EventTypeRegistry AddUpcaster(string fromName, string toName, Func<JsonObject, JsonObject> upcast)
    {
        if (fromName == toName) throw new ArgumentException("An upcaster must map an old name to a newer one.");
        if (_types.ContainsKey(fromName))
            throw new InvalidOperationException($"'{fromName}' is a current event name; upcast only from old names.");
        if (_upcasters.ContainsKey(fromName))
            throw new InvalidOperationException($"'{fromName}' already has an upcaster.");
        for (var next = toName; _upcasters.TryGetValue(next, out var u); next = u.ToName)
            if (u.ToName == fromName) throw new InvalidOperationException($"Upcasters from '{fromName}' form a cycle.");
        _upcasters[fromName] = new Upcaster(toName, upcast);
        return this;
    }

    /// <summary>Every current name and the record stored under it (old, upcast names are not listed).</summary>
    public IReadOnlyDictionary<string, Type> Registered => _types;

    public string NameOf(Type type) =>
        _names.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.FullName} is not a registered event type.");

    /// <summary>Every stored name whose rows load as <paramref name="type"/>: its own and the old names upcast to it.</summary>
    public IReadOnlySet<string> StoredNamesOf(Type type)
    {
        var current = NameOf(type);
        var names = new HashSet<string>(StringComparer.Ordinal) { current };
        foreach (var from in _upcasters.Keys)
            if (FinalName(from) == current) names.Add(from);
        return names.ToFrozenSet(StringComparer.Ordinal);
    }

    public string Serialize(object data) => JsonSerializer.Serialize(data, data.GetType(), SerializerOptions);

    /// <summary>Loads a stored row; never throws: what cannot be loaded comes back as <see cref="UndecodableEvent"/>.</summary>
    public object Deserialize(string typeName, string json) => Deserialize(typeName, Encoding.UTF8.GetBytes(json));

    /// <summary>Loads a stored row from its JSON as UTF-8 (as PostgreSQL sends it); never throws.</summary>
    public object Deserialize(string typeName, ReadOnlySpan<byte> utf8)
    {
        try
        {
            if (_types.TryGetValue(typeName, out var type))
                return JsonSerializer.Deserialize(utf8, type, SerializerOptions)
                       ?? new UndecodableEvent(typeName, Text(utf8), "The stored JSON is null.");
            var json = Text(utf8);
            if (!_upcasters.ContainsKey(typeName))
                return new UndecodableEvent(typeName, json, $"No event type is registered as '{typeName}'.");

            var node = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("The stored JSON is not an object.");
            var name = typeName;
            while (_upcasters.TryGetValue(name, out var upcaster))
            {
                node = upcaster.Upcast(node);
                name = upcaster.ToName;
            }
            return _types.TryGetValue(name, out var target)
                ? node.Deserialize(target, SerializerOptions) ?? new UndecodableEvent(typeName, json, "Upcast to null.")
                : new UndecodableEvent(typeName, json, $"Upcasters from '{typeName}' end at unregistered '{name}'.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return new UndecodableEvent(typeName, Text(utf8), e.Message);
        }
    }

    static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    string FinalName(string name)
    {
        while (_upcasters.TryGetValue(name, out var u)) name = u.ToName;
        return name;
    }

    sealed record Upcaster(string ToName, Func<JsonObject, JsonObject> Upcast);
}
