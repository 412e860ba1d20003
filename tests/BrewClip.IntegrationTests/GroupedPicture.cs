using System.Security.Cryptography;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A picture for a group of pairs that must fall on a chosen side. Train and validation go by connected group: the
/// SHA-256 of the group's smallest content hash, first byte under 26 for validation. The picture's pixels are kept
/// and a PNG text chunk is varied until the group (the picture and the files paired with it) falls where asked.
/// </summary>
internal static class GroupedPicture
{
    public static void Write(byte[] png, IReadOnlyCollection<byte[]> pairedHashes, bool validation, string path)
    {
        var order = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));
        for (var nonce = 0; nonce < 10_000; nonce++)
        {
            var bytes = TestMedia.PngWithText(png, "Comment", $"{Path.GetFileName(path)} {nonce}");
            var smallest = pairedHashes.Append(SHA256.HashData(bytes)).Order(order).First();
            if (SHA256.HashData(smallest)[0] < 26 == validation)
            {
                File.WriteAllBytes(path, bytes);
                return;
            }
        }
        throw new InvalidOperationException($"no text put {path}'s group in the {(validation ? "validation" : "train")} split");
    }
}
