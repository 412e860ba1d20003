using BrewClip.Testing;
using System.Buffers.Binary;
using System.Text;

namespace BrewClip.Media.Tests;

public sealed class ImageOrientationTests
{
    private static readonly byte[] MinimalJpeg = [0xFF, 0xD8, 0xFF, 0xD9];

    [Theory]
    [InlineData(1, false)]
    [InlineData(6, false)]
    [InlineData(8, true)]
    [InlineData(3, true)]
    public void Reads_the_orientation_from_a_jpeg_app1_segment(int orientation, bool bigEndian)
    {
        Assert.Equal(orientation, ImageOrientation.Read(TestMedia.JpegWithOrientation(MinimalJpeg, orientation, bigEndian)));
    }

    [Fact]
    public void Reads_the_orientation_from_a_png_exif_chunk()
    {
        var tiff = TestMedia.Tiff(6, bigEndian: true);
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        png.AddRange(Chunk("IHDR", new byte[13]));
        png.AddRange(Chunk("eXIf", tiff));
        Assert.Equal(6, ImageOrientation.Read(png.ToArray()));

        static byte[] Chunk(string type, byte[] data)
        {
            var chunk = new byte[12 + data.Length];
            BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
            Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
            data.CopyTo(chunk, 8);
            return chunk; // CRC left zero: the reader does not need it
        }
    }

    [Fact]
    public void Reads_the_orientation_from_a_webp_exif_chunk()
    {
        var tiff = TestMedia.Tiff(5, bigEndian: false);
        var body = new List<byte>("WEBP"u8.ToArray());
        body.AddRange(Chunk("VP8X", new byte[10]));
        body.AddRange(Chunk("EXIF", tiff));
        var riff = new List<byte>("RIFF"u8.ToArray());
        riff.AddRange(BitConverter.GetBytes(body.Count));
        riff.AddRange(body);
        Assert.Equal(5, ImageOrientation.Read(riff.ToArray()));

        static byte[] Chunk(string type, byte[] data)
        {
            var chunk = new byte[8 + data.Length + (data.Length & 1)];
            Encoding.ASCII.GetBytes(type).CopyTo(chunk, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)data.Length);
            data.CopyTo(chunk, 8);
            return chunk;
        }
    }

    [Fact]
    public void Files_without_exif_or_with_a_broken_header_are_upright()
    {
        Assert.Equal(1, ImageOrientation.Read(MinimalJpeg));
        Assert.Equal(1, ImageOrientation.Read("not an image"u8));
        Assert.Equal(1, ImageOrientation.Read(new byte[] { 0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, (byte)'E' }));
    }

    [Theory]
    [InlineData(1, "")]
    [InlineData(6, "transpose=clock")]
    [InlineData(8, "transpose=cclock")]
    [InlineData(3, "hflip,vflip")]
    public void Orientation_maps_to_the_ffmpeg_filters_that_undo_it(int orientation, string filters)
    {
        Assert.Equal(filters, ImageOrientation.Filters(orientation));
    }
}
