using System.Buffers.Binary;
using System.Diagnostics;

namespace BrewClip.Testing;

/// <summary>Media made for tests: ffmpeg runs, and EXIF orientation written into a JPEG by hand.</summary>
public static class TestMedia
{
    /// <summary>
    /// Makes <paramref name="name"/> in <paramref name="folder"/> with ffmpeg (the name's extension picks the format),
    /// then renames it to "bare", so what reads it must judge the content, not the name; returns that path.
    /// </summary>
    public static string FfmpegWithoutExtension(string folder, string name, string[] arguments)
    {
        var file = Path.Combine(folder, name);
        Ffmpeg([.. arguments, file]);
        var bare = Path.Combine(folder, "bare");
        File.Move(file, bare);
        return bare;
    }

    /// <summary>Runs ffmpeg quietly, overwriting outputs; throws with ffmpeg's message when it fails.</summary>
    public static void Ffmpeg(params string[] arguments)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "error", "-y" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start; `scripts/infra.sh up` installs it.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {errors}");
        }
    }

    /// <summary>
    /// A sentence spoken by espeak-ng, as <c>{name}.wav</c> in <paramref name="folder"/>: mono 16-bit PCM at
    /// <paramref name="sampleRate"/> (Ingest's tests use another rate than 16 kHz, to see it resampled).
    /// </summary>
    /// <param name="voice">espeak-ng's voice options (-v voice+variant, -s words a minute, -p pitch), if not its default.</param>
    public static string Speak(string folder, string name, string sentence, int sampleRate = 16_000, IReadOnlyList<string>? voice = null)
    {
        var raw = Path.Combine(folder, name + ".espeak.wav");
        var info = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (voice ?? []).Concat(["-w", raw, sentence]))
        {
            info.ArgumentList.Add(argument);
        }
        using (var process = Process.Start(info) ?? throw new InvalidOperationException("espeak-ng did not start; `scripts/infra.sh up` installs it."))
        {
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed: {errors}");
            }
        }
        var path = Path.Combine(folder, name + ".wav");
        Ffmpeg("-i", raw, "-ar", sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-ac", "1", "-c:a", "pcm_s16le", path);
        return path;
    }

    /// <summary>A JPEG with an APP1 EXIF segment carrying an orientation tag, inserted after SOI.</summary>
    public static byte[] JpegWithOrientation(byte[] jpeg, int orientation, bool bigEndian = false)
    {
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. Tiff(orientation, bigEndian)];
        var length = payload.Length + 2;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }

    /// <summary>A PNG with an eXIf chunk carrying an orientation tag, inserted after its IHDR chunk (with a valid CRC).</summary>
    public static byte[] PngWithOrientation(byte[] png, int orientation)
    {
        const int afterHeader = 8 + 8 + 13 + 4;
        var tiff = Tiff(orientation, bigEndian: true);
        var chunk = new byte[12 + tiff.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)tiff.Length);
        "eXIf"u8.CopyTo(chunk.AsSpan(4));
        tiff.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + tiff.Length), Crc32(chunk.AsSpan(4, 4 + tiff.Length)));
        return [.. png[..afterHeader], .. chunk, .. png[afterHeader..]];
    }

    /// <summary>
    /// A PNG with a tEXt chunk (keyword, NUL, text) inserted after its IHDR chunk: the same pixels in other bytes, so
    /// other content to anything that hashes files.
    /// </summary>
    public static byte[] PngWithText(byte[] png, string keyword, string text)
    {
        const int afterHeader = 8 + 8 + 13 + 4;
        byte[] data = [.. System.Text.Encoding.Latin1.GetBytes(keyword), 0, .. System.Text.Encoding.Latin1.GetBytes(text)];
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        "tEXt"u8.CopyTo(chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return [.. png[..afterHeader], .. chunk, .. png[afterHeader..]];
    }

    /// <summary>The CRC-32 PNG chunks carry (reflected polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }

    /// <summary>A minimal TIFF structure: header and IFD0 with one Orientation (0x0112) SHORT entry.</summary>
    public static byte[] Tiff(int orientation, bool bigEndian)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        void U16(int at, int v)
        {
            if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v); }
            else { BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v); }
        }
        void U32(int at, int v)
        {
            if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), (uint)v); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), (uint)v); }
        }
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        U16(2, 42);
        U32(4, 8);
        U16(8, 1);
        U16(10, 0x0112);
        U16(12, 3);
        U32(14, 1);
        U16(18, orientation);
        return tiff;
    }
}
