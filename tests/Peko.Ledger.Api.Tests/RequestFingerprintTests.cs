using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Peko.Ledger.Api.Features.Counter;

namespace Peko.Ledger.Api.Tests;

/// <summary>An idempotency key's request is known by its values, however its client wrote them.</summary>
public sealed class RequestFingerprintTests
{
    static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web);
    static readonly GuestRef Guest = new("+84903123482", null, null, null, "Linh");

    static RequestFingerprint Fingerprint(EarnRequest request) => RequestFingerprint.Of(request, ApiJson);

    static EarnRequest Earn(decimal amount, DateTimeOffset at) => new("d1", "HD-1", amount, at, Guest);

    [Fact]
    public void Trailing_zeros_and_the_time_offset_do_not_change_a_request()
    {
        var asSent = Fingerprint(Earn(870_000m, new(2026, 11, 14, 11, 30, 0, TimeSpan.FromHours(7))));
        var rewritten = Fingerprint(Earn(870_000.00m, new(2026, 11, 14, 4, 30, 0, TimeSpan.Zero)));

        Assert.Equal(asSent.Hash, rewritten.Hash);
        Assert.True(rewritten.Matches(asSent.Hash));
    }

    [Theory]
    [InlineData(870_000.5)]
    [InlineData(870_001)]
    [InlineData(87_000)]
    public void Another_amount_is_another_request(decimal amount)
    {
        var at = new DateTimeOffset(2026, 11, 14, 4, 30, 0, TimeSpan.Zero);

        Assert.False(Fingerprint(Earn(amount, at)).Matches(Fingerprint(Earn(870_000m, at)).Hash));
    }

    [Fact]
    public void Another_instant_is_another_request()
    {
        var first = Fingerprint(Earn(870_000m, new(2026, 11, 14, 11, 30, 0, TimeSpan.FromHours(7))));

        Assert.False(Fingerprint(Earn(870_000m, new(2026, 11, 14, 11, 30, 0, TimeSpan.Zero)))
            .Matches(first.Hash));
    }

    [Fact]
    public void A_record_hashed_before_fingerprints_still_matches_its_retry()
    {
        var request = Earn(870_000.0m, new(2026, 11, 14, 11, 30, 0, TimeSpan.FromHours(7)));
        var storedBefore = SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ApiJson)));

        var fingerprint = Fingerprint(request);

        Assert.NotEqual(storedBefore, fingerprint.Hash);
        Assert.True(fingerprint.Matches(storedBefore));
    }
}
