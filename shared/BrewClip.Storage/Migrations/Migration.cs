using System.Security.Cryptography;
using System.Text;

namespace BrewClip.Storage.Migrations;

/// <summary>One numbered plain-SQL file of <c>migrations/</c>.</summary>
public sealed record Migration(int Version, string FileName, string Sql)
{
    /// <summary>SHA-256 of the text with line endings normalised, so a checkout's CRLF does not count as an edit.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal))));
}
