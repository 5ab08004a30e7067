using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// The event hash, v1, in C#. PostgreSQL computes the same: <c>ledger.event_hash</c> in Schema/009_audit.sql (backfills,
/// many-stream appends), and the one-stream append's statement around the parts <see cref="HashParts"/> writes.
/// SHA-256 over netstrings (<c>&lt;UTF-8 byte length&gt;:&lt;bytes&gt;,</c>, null as <c>-1:,</c>) of, in order: the
/// tag <c>peko-ledger-event-v1</c>, chain id, stream id, version, type, data (jsonb text), recorded-at
/// (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>), correlation id, causation id, actor, restaurant id, idempotency key, and the
/// previous event's hash in lowercase hex (null for version 1). docs/audit.md states it for auditors' own tools.
/// </summary>
public static class EventHash
{
    public const string Tag = "peko-ledger-event-v1";
    const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The hash the row should carry, given the hash it claims to follow.</summary>
    public static byte[] Compute(AuditedEvent e, byte[]? previousHash) => Compute(e, e.Version, previousHash);

    /// <summary>As if the row stood at <paramref name="version"/>: to find where a moved row was written.</summary>
    public static byte[] Compute(AuditedEvent e, long version, byte[]? previousHash)
    {
        var hash = new byte[SHA256.HashSizeInBytes];
        Compute(e, version, previousHash, hash);
        return hash;
    }

    /// <summary>True when the row hashes to <paramref name="expected"/> at its version after <paramref name="previousHash"/>.</summary>
    public static bool Matches(AuditedEvent e, byte[]? previousHash, byte[]? expected)
    {
        if (expected is null) return false;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Compute(e, e.Version, previousHash, hash);
        return hash.SequenceEqual(expected);
    }

    // Verify hashes every event of the log: the canonical form is written straight as UTF-8 into one pooled buffer
    // (no string per field, no copy), in exactly the bytes the SQL form concatenates.
    static void Compute(AuditedEvent e, long version, byte[]? previousHash, Span<byte> destination)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLength(e, previousHash));
        try
        {
            var form = new NetstringWriter(buffer);
            form.Text(Tag);
            form.Text(e.ChainId);
            form.Text(e.StreamId);
            form.Formatted(version, default);
            form.Text(e.Type);
            form.Text(e.Data);
            form.Formatted(e.RecordedAt.UtcDateTime, InstantFormat);
            form.Text(e.CorrelationId);
            form.Text(e.CausationId);
            form.Text(e.Actor);
            form.Text(e.RestaurantId);
            form.Text(e.IdempotencyKey);
            form.Hex(previousHash);
            SHA256.HashData(buffer.AsSpan(0, form.Length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Each netstring's prefix and comma fit in 24 bytes (a 20-digit length at most); formatted fields in 40.
    static int MaxLength(AuditedEvent e, byte[]? previousHash) =>
        13 * 24 + 2 * 40 + Max(Tag) + Max(e.ChainId) + Max(e.StreamId) + Max(e.Type) + Max(e.Data) + Max(e.CorrelationId) +
        Max(e.CausationId) + Max(e.Actor) + Max(e.RestaurantId) + Max(e.IdempotencyKey) + 2 * (previousHash?.Length ?? 0);

    static int Max(string? s) => s is null ? 0 : Encoding.UTF8.GetMaxByteCount(s.Length);

    /// <summary>R(n) = SHA-256(R(n-1) || hash(n)): the running hash of a chain's log.</summary>
    public static byte[] Next(byte[] running, byte[] eventHash)
    {
        Span<byte> both = stackalloc byte[running.Length + eventHash.Length];
        running.CopyTo(both);
        eventHash.CopyTo(both[running.Length..]);
        return SHA256.HashData(both);
    }

    public static byte[] Start => new byte[32];

    /// <summary>
    /// The canonical form's fixed parts as text, for the append's statement to hash around the parts only PostgreSQL
    /// knows (the version for "any", the stored jsonb's text, the stream's last hash): <c>Head</c> is the tag, chain and
    /// stream; <c>Tail</c> recorded-at and the five metadata fields. Each event's type goes as <see cref="Netstring"/>.
    /// </summary>
    internal static (string Head, string Tail) HashParts(string chainId, string streamId, DateTimeOffset recordedAt,
        EventMetadata metadata) =>
        (string.Concat(Netstring(Tag), Netstring(chainId), Netstring(streamId)),
         string.Concat(Netstring(Instant(recordedAt)), Netstring(metadata.CorrelationId), Netstring(metadata.CausationId),
             Netstring(metadata.Actor), Netstring(metadata.RestaurantId), Netstring(metadata.IdempotencyKey)));

    /// <summary><c>&lt;UTF-8 byte length&gt;:&lt;value&gt;,</c>, or <c>-1:,</c> for null, as text.</summary>
    internal static string Netstring(string? value) =>
        value is null ? "-1:," : $"{Encoding.UTF8.GetByteCount(value)}:{value},";

    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    public static string? Hex(byte[]? hash) => hash is null ? null : Convert.ToHexStringLower(hash);

    /// <summary>Netstrings of UTF-8 bytes, one after the other, into a buffer sized for them.</summary>
    ref struct NetstringWriter(byte[] buffer)
    {
        public int Length { get; private set; }

        public void Text(string? value)
        {
            if (value is null) { Null(); return; }
            Field(Encoding.UTF8.GetBytes(value, Prefixed(Encoding.UTF8.GetByteCount(value))));
        }

        public void Formatted<T>(T value, string? format) where T : IUtf8SpanFormattable
        {
            // ASCII, so its length is known only after writing it: written after the longest prefix, then moved down.
            var scratch = buffer.AsSpan(Length + 24);
            if (!value.TryFormat(scratch, out var written, format, CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"'{value}' does not fit the canonical form's buffer.");
            scratch[..written].CopyTo(Prefixed(written));
            Field(written);
        }

        public void Hex(byte[]? hash)
        {
            if (hash is null) { Null(); return; }
            Convert.TryToHexStringLower(hash, Prefixed(2 * hash.Length), out var written);
            Field(written);
        }

        void Null()
        {
            "-1:,"u8.CopyTo(buffer.AsSpan(Length));
            Length += 4;
        }

        /// <summary>Writes "<paramref name="byteCount"/>:" and answers where the field's bytes go.</summary>
        Span<byte> Prefixed(int byteCount)
        {
            byteCount.TryFormat(buffer.AsSpan(Length), out var digits, default, CultureInfo.InvariantCulture);
            buffer[Length + digits] = (byte)':';
            Length += digits + 1;
            return buffer.AsSpan(Length);
        }

        void Field(int written)
        {
            Length += written;
            buffer[Length++] = (byte)',';
        }
    }
}
