using System.Buffers.Binary;

namespace BrewClip.Media;

/// <summary>
/// Reads the kind, format and size of common still images (PNG, JPEG, GIF, BMP, still WebP) and audio files (WAV,
/// FLAC) from their headers, so Ingest can decode them without asking ffprobe first (a process per file). Anything
/// else, or a header it cannot read, gives null: ffprobe decides then. A file whose header lies still fails its
/// decode, and Ingest then asks ffprobe for the reason.
/// </summary>
public static class MediaSniffer
{
    private const int HeadBytes = 64 * 1024;

    public static SniffResult? Sniff(string path)
    {
        var buffer = new byte[HeadBytes];
        int length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        return Sniff(buffer.AsSpan(0, length));
    }

    public static SniffResult? Sniff(ReadOnlySpan<byte> head)
    {
        try
        {
            if (head.Length >= 24 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            {
                return Png(head);
            }
            if (head.Length >= 4 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            {
                return Jpeg(head);
            }
            if (head.Length >= 10 && (head[..6].SequenceEqual("GIF87a"u8) || head[..6].SequenceEqual("GIF89a"u8)))
            {
                return Image("gif", BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..]));
            }
            if (head.Length >= 26 && head[..2].SequenceEqual("BM"u8) && BinaryPrimitives.ReadUInt32LittleEndian(head[14..]) >= 40)
            {
                return Image("bmp_pipe", BinaryPrimitives.ReadInt32LittleEndian(head[18..]), Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(head[22..])));
            }
            if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WEBP"u8))
            {
                return WebP(head);
            }
            if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WAVE"u8))
            {
                return Wav(head);
            }
            if (head.Length >= 26 && head[..4].SequenceEqual("fLaC"u8))
            {
                return Flac(head);
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A header cut short: ffprobe decides.
        }
        return null;
    }

    private static SniffResult? Image(string format, int width, int height)
        => width > 0 && height > 0 ? new SniffResult(MediaKind.Image, format, width, height, null) : null;

    private static SniffResult? Png(ReadOnlySpan<byte> head)
    {
        if (!head.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return null;
        }
        // An animated PNG is ffprobe's "apng": left to it.
        for (var at = 8; at + 8 <= head.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(head[at..]);
            var type = head.Slice(at + 4, 4);
            if (type.SequenceEqual("acTL"u8))
            {
                return null;
            }
            if (type.SequenceEqual("IDAT"u8) || size < 0 || size > head.Length)
            {
                break;
            }
            at += 12 + size;
        }
        return Image("png_pipe", (int)BinaryPrimitives.ReadUInt32BigEndian(head[16..]), (int)BinaryPrimitives.ReadUInt32BigEndian(head[20..]));
    }

    private static SniffResult? Jpeg(ReadOnlySpan<byte> head)
    {
        for (var at = 2; at + 9 < head.Length;)
        {
            if (head[at] != 0xFF)
            {
                return null;
            }
            var marker = head[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2;
                continue;
            }
            // Start of frame (every SOFn but the DHT, JPG and DAC markers that share the range).
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return Image("jpeg_pipe", BinaryPrimitives.ReadUInt16BigEndian(head[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(head[(at + 5)..]));
            }
            if (marker == 0xDA)
            {
                return null; // scan data before any frame header
            }
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(head[(at + 2)..]);
        }
        return null;
    }

    private static SniffResult? WebP(ReadOnlySpan<byte> head)
    {
        var chunk = head.Slice(12, 4);
        var payload = head[20..];
        if (chunk.SequenceEqual("VP8 "u8) && payload.Length >= 10)
        {
            return Image("webp_pipe", BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]) & 0x3FFF);
        }
        if (chunk.SequenceEqual("VP8L"u8) && payload.Length >= 5 && payload[0] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]);
            return Image("webp_pipe", (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8X"u8) && payload.Length >= 10 && (payload[0] & 0x02) == 0)
        {
            var width = (payload[4] | payload[5] << 8 | payload[6] << 16) + 1;
            var height = (payload[7] | payload[8] << 8 | payload[9] << 16) + 1;
            return Image("webp_pipe", width, height);
        }
        return null; // animated, or a layout left to ffprobe
    }

    private static SniffResult? Wav(ReadOnlySpan<byte> head)
    {
        uint byteRate = 0;
        for (var at = 12; at + 8 <= head.Length;)
        {
            var type = head.Slice(at, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(head[(at + 4)..]);
            if (type.SequenceEqual("fmt "u8))
            {
                byteRate = BinaryPrimitives.ReadUInt32LittleEndian(head[(at + 16)..]);
            }
            else if (type.SequenceEqual("data"u8))
            {
                // A streamed WAV's data size is unknown (0 or all ones): left to ffprobe.
                return byteRate == 0 || size is 0 or uint.MaxValue ? null : new SniffResult(MediaKind.Audio, "wav", null, null, (double)size / byteRate);
            }
            if (size > int.MaxValue)
            {
                return null;
            }
            at += 8 + (int)size + (int)(size & 1);
        }
        return null;
    }

    private static SniffResult? Flac(ReadOnlySpan<byte> head)
    {
        // The first metadata block is STREAMINFO: 20 bits of sample rate, then 3 + 5 bits, then 36 bits of samples.
        if ((head[4] & 0x7F) != 0)
        {
            return null;
        }
        var info = head[8..];
        var rate = info[10] << 12 | info[11] << 4 | info[12] >> 4;
        var samples = ((long)(info[13] & 0x0F) << 32) | BinaryPrimitives.ReadUInt32BigEndian(info[14..]);
        return rate == 0 || samples == 0 ? null : new SniffResult(MediaKind.Audio, "flac", null, null, (double)samples / rate);
    }
}
