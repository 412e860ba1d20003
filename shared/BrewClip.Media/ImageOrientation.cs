using System.Buffers.Binary;
using System.Text;

namespace BrewClip.Media;

/// <summary>
/// The EXIF orientation of an image (1-8; 1 = as stored), read from a JPEG APP1 segment, a PNG eXIf
/// chunk or a WebP EXIF chunk. ffmpeg 5.1 ignores it, so the decoder applies it.
/// </summary>
public static class ImageOrientation
{
    public const int Normal = 1;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static int Read(string path)
    {
        var buffer = new byte[256 * 1024];
        int length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        return Read(buffer.AsSpan(0, length));
    }

    public static int Read(ReadOnlySpan<byte> file)
    {
        try
        {
            if (file.Length > 4 && file[0] == 0xFF && file[1] == 0xD8)
            {
                return FromJpeg(file);
            }
            if (file.Length > 8 && file[..8].SequenceEqual(PngSignature))
            {
                return FromChunks(file[8..], bigEndianLengths: true, "eXIf");
            }
            if (file.Length > 12 && file[..4].SequenceEqual("RIFF"u8) && file.Slice(8, 4).SequenceEqual("WEBP"u8))
            {
                return FromChunks(file[12..], bigEndianLengths: false, "EXIF");
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A truncated or malformed header: treat as unrotated; decoding will judge the file itself.
        }
        return Normal;
    }

    /// <summary>Whether turning an image with this orientation upright swaps its width and height (5-8).</summary>
    public static bool SwapsSides(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>ffmpeg filters that turn a stored image with this orientation upright (empty for 1).</summary>
    public static string Filters(int orientation) => orientation switch
    {
        2 => "hflip",
        3 => "hflip,vflip",
        4 => "vflip",
        5 => "transpose=cclock_flip",
        6 => "transpose=clock",
        7 => "transpose=clock_flip",
        8 => "transpose=cclock",
        _ => "",
    };

    private static int FromJpeg(ReadOnlySpan<byte> file)
    {
        var position = 2;
        while (position + 4 <= file.Length && file[position] == 0xFF)
        {
            var marker = file[position + 1];
            if (marker is 0xD9 or 0xDA)
            {
                break; // end of image, or the compressed data starts: no EXIF before it
            }
            var segmentLength = BinaryPrimitives.ReadUInt16BigEndian(file[(position + 2)..]);
            var segment = file.Slice(position + 4, segmentLength - 2);
            if (marker == 0xE1 && segment.Length > 6 && segment[..6].SequenceEqual("Exif\0\0"u8))
            {
                return FromTiff(segment[6..]);
            }
            position += 2 + segmentLength;
        }
        return Normal;
    }

    private static int FromChunks(ReadOnlySpan<byte> chunks, bool bigEndianLengths, string wanted)
    {
        var position = 0;
        while (position + 8 <= chunks.Length)
        {
            var length = (int)(bigEndianLengths
                ? BinaryPrimitives.ReadUInt32BigEndian(chunks[position..])
                : BinaryPrimitives.ReadUInt32LittleEndian(chunks[(position + 4)..]));
            var type = Encoding.ASCII.GetString(bigEndianLengths ? chunks.Slice(position + 4, 4) : chunks.Slice(position, 4));
            var data = chunks.Slice(position + 8, Math.Min(length, chunks.Length - position - 8));
            if (type == wanted)
            {
                // WebP writers sometimes keep JPEG's "Exif\0\0" prefix.
                return FromTiff(data.Length > 6 && data[..6].SequenceEqual("Exif\0\0"u8) ? data[6..] : data);
            }
            // PNG: length, type, data, CRC. WebP (RIFF): type, length, data padded to even.
            position += bigEndianLengths ? 12 + length : 8 + length + (length & 1);
        }
        return Normal;
    }

    private static int FromTiff(ReadOnlySpan<byte> tiff)
    {
        var little = tiff[0] == (byte)'I';
        var ifd = (int)U32(tiff, 4, little);
        var entries = U16(tiff, ifd, little);
        for (var i = 0; i < entries; i++)
        {
            var entry = ifd + 2 + i * 12;
            if (U16(tiff, entry, little) == 0x0112)
            {
                var value = U16(tiff, entry + 8, little);
                return value is >= 1 and <= 8 ? value : Normal;
            }
        }
        return Normal;
    }

    private static ushort U16(ReadOnlySpan<byte> data, int at, bool little)
        => little ? BinaryPrimitives.ReadUInt16LittleEndian(data[at..]) : BinaryPrimitives.ReadUInt16BigEndian(data[at..]);

    private static uint U32(ReadOnlySpan<byte> data, int at, bool little)
        => little ? BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) : BinaryPrimitives.ReadUInt32BigEndian(data[at..]);
}
