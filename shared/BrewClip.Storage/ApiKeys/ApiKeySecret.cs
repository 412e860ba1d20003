using System.Security.Cryptography;
using System.Text;

namespace BrewClip.Storage.ApiKeys;

/// <summary>
/// The form of an API key: <c>bck_</c>, a prefix of 8 lowercase hex digits that names the key and finds its row, an
/// underscore and 32 random bytes in base64url (256 bits: a hash of it needs no slow hashing to resist guessing).
/// Only the SHA-256 of the whole key is stored.
/// </summary>
public static class ApiKeySecret
{
    public const string Scheme = "bck_";

    /// <summary>A new key and its prefix.</summary>
    public static (string Key, string Prefix) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"{Scheme}{prefix}_{secret}", prefix);
    }

    /// <summary>The prefix of something that has the form of a key, or null.</summary>
    public static string? PrefixOf(string key)
    {
        if (key.Length != Scheme.Length + 8 + 1 + 43 || !key.StartsWith(Scheme, StringComparison.Ordinal) || key[Scheme.Length + 8] != '_')
        {
            return null;
        }
        var prefix = key.Substring(Scheme.Length, 8);
        return prefix.All(char.IsAsciiHexDigitLower) ? prefix : null;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether <paramref name="key"/> hashes to <paramref name="sha256"/>, in time that does not depend on where they differ.</summary>
    public static bool Matches(string key, byte[] sha256) => CryptographicOperations.FixedTimeEquals(Hash(key), sha256);
}
