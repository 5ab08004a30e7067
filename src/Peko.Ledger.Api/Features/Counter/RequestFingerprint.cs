using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// What makes two requests under one idempotency key the same request: their fields' values, not how the till wrote
/// them. An amount of <c>100000</c> or <c>100000.0</c>, a time at <c>+07:00</c> or the same instant in <c>Z</c>, and
/// identifiers that normalise to the same value are the same request, so a retry whose client re-serialised it, or
/// that staff typed again, is still a retry and not a 409.
/// </summary>
public sealed class RequestFingerprint
{
    static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web)
    {
        Converters = { new ShortestDecimal(), new UtcInstant() },
    };

    readonly object _asSent;
    readonly JsonSerializerOptions _json;

    RequestFingerprint(object asSent, object normalised, JsonSerializerOptions json)
    {
        _asSent = asSent;
        _json = json;
        Hash = HashOf(normalised, Canonical);
    }

    /// <summary>The SHA-256 stored with the key's first response.</summary>
    public byte[] Hash { get; }

    /// <param name="asSent">The request as the API read it.</param>
    /// <param name="normalised">The same request with its identifiers normalised (or itself, when it has none).</param>
    /// <param name="json">The API's JSON options, which hashed records before fingerprints.</param>
    public static RequestFingerprint Of(object asSent, object normalised, JsonSerializerOptions json) =>
        new(asSent, normalised, json);

    /// <summary>A request with no identifiers to normalise.</summary>
    public static RequestFingerprint Of(object request, JsonSerializerOptions json) => new(request, request, json);

    /// <summary>
    /// Whether a stored hash is this request's. Records written before fingerprints (2026-12) hashed the request as the
    /// API serialises it; a retry that straddles the upgrade still matches those.
    /// </summary>
    public bool Matches(byte[] stored) =>
        stored.AsSpan().SequenceEqual(Hash) || stored.AsSpan().SequenceEqual(HashOf(_asSent, _json));

    static byte[] HashOf(object request, JsonSerializerOptions json) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, request.GetType(), json)));

    /// <summary>A decimal without trailing zeros: 100000.0 and 100000 write the same.</summary>
    sealed class ShortestDecimal : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.GetDecimal();

        // Dividing by 1 with 28 zeros after the point gives the value at its smallest scale.
        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WriteRawValue((value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>An instant in UTC, whatever offset the till sent it with.</summary>
    sealed class UtcInstant : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime());
    }
}
