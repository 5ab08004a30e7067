using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// The event hash, v1, in C# (the append computes the same in SQL: <c>ledger.event_hash</c> in Schema/009_audit.sql).
/// SHA-256 over netstrings (<c>&lt;UTF-8 byte length&gt;:&lt;bytes&gt;,</c>, null as <c>-1:,</c>) of, in order: the
/// tag <c>peko-ledger-event-v1</c>, chain id, stream id, version, type, data (jsonb text), recorded-at
/// (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>), correlation id, causation id, actor, restaurant id, idempotency key, and the
/// previous event's hash in lowercase hex (null for version 1). docs/audit.md states it for auditors' own tools.
/// </summary>
public static class EventHash
{
    public const string Tag = "peko-ledger-event-v1";

    /// <summary>The hash the row should carry, given the hash it claims to follow.</summary>
    public static byte[] Compute(AuditedEvent e, byte[]? previousHash) => Compute(e, e.Version, previousHash);

    /// <summary>As if the row stood at <paramref name="version"/>: to find where a moved row was written.</summary>
    public static byte[] Compute(AuditedEvent e, long version, byte[]? previousHash)
    {
        var buffer = new MemoryStream(256 + e.Data.Length);
        foreach (var field in new[]
                 {
                     Tag, e.ChainId, e.StreamId, version.ToString(CultureInfo.InvariantCulture), e.Type, e.Data,
                     Instant(e.RecordedAt), e.CorrelationId, e.CausationId, e.Actor, e.RestaurantId, e.IdempotencyKey,
                     previousHash is null ? null : Convert.ToHexStringLower(previousHash),
                 })
            Netstring(buffer, field);
        return SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>R(n) = SHA-256(R(n-1) || hash(n)): the running hash of a chain's log.</summary>
    public static byte[] Next(byte[] running, byte[] eventHash)
    {
        Span<byte> both = stackalloc byte[running.Length + eventHash.Length];
        running.CopyTo(both);
        eventHash.CopyTo(both[running.Length..]);
        return SHA256.HashData(both);
    }

    public static byte[] Start => new byte[32];

    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string? Hex(byte[]? hash) => hash is null ? null : Convert.ToHexStringLower(hash);

    static void Netstring(MemoryStream buffer, string? value)
    {
        if (value is null)
        {
            buffer.Write("-1:,"u8);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        buffer.Write(Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":"));
        buffer.Write(bytes);
        buffer.WriteByte((byte)',');
    }
}
