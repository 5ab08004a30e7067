using System.Security.Cryptography;
using System.Text;

namespace Peko.Ledger.Api.Features.Auth;

/// <summary>
/// API keys look like <c>pk_{keyId}_{secret}</c>: the id finds the row, the secret is 32 random bytes of which only
/// the SHA-256 is stored (a fast hash is enough for a secret that long; there is nothing to brute-force).
/// </summary>
public static class ApiKeySecrets
{
    public static (string KeyId, string Key, byte[] Hash) New()
    {
        var keyId = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (keyId, $"pk_{keyId}_{secret}", Hash(secret));
    }

    /// <summary>Splits a presented key into its id and secret; null when it is not of our shape.</summary>
    public static (string KeyId, string Secret)? Parse(string presented)
    {
        if (!presented.StartsWith("pk_key_", StringComparison.Ordinal)) return null;
        var cut = presented.IndexOf('_', 7);
        return cut > 7 && cut < presented.Length - 1 ? (presented[3..cut], presented[(cut + 1)..]) : null;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
