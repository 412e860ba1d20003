namespace BrewClip.Models;

/// <summary>
/// GPT-2's byte-to-character table (used by CLIP's and Whisper's BPE): printable bytes stand for
/// themselves, the others are shifted to characters from U+0100 on, so every byte string is text.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, (byte)b)).ToDictionary(p => p.c, p => p.Item2);

    public static char Encode(byte value) => ByteToChar[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }
        return new string(chars);
    }

    /// <summary>Bytes back from alphabet characters; characters outside the alphabet are skipped.</summary>
    public static void Decode(ReadOnlySpan<char> text, List<byte> bytes)
    {
        foreach (var c in text)
        {
            if (CharToByte.TryGetValue(c, out var b))
            {
                bytes.Add(b);
            }
        }
    }

    private static char[] Build()
    {
        var table = new char[256];
        var printable = new bool[256];
        foreach (var (from, to) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
        {
            for (var c = from; c <= to; c++)
            {
                printable[c] = true;
                table[c] = c;
            }
        }
        var next = 0;
        for (var b = 0; b < 256; b++)
        {
            if (!printable[b])
            {
                table[b] = (char)(256 + next++);
            }
        }
        return table;
    }
}
