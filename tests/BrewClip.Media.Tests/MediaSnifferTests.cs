using BrewClip.Testing;

namespace BrewClip.Media.Tests;

/// <summary>The header sniffer against ffprobe on files ffmpeg made: the same kind, format name, size and duration.</summary>
public sealed class MediaSnifferTests
{
    [Theory]
    [InlineData("a.png", new[] { "-f", "lavfi", "-i", "testsrc=s=320x240", "-frames:v", "1" })]
    [InlineData("a.jpg", new[] { "-f", "lavfi", "-i", "testsrc=s=321x239", "-frames:v", "1" })]
    [InlineData("a.gif", new[] { "-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1" })]
    [InlineData("anim.gif", new[] { "-f", "lavfi", "-i", "testsrc=s=64x48:d=0.5", "-r", "10" })]
    [InlineData("a.bmp", new[] { "-f", "lavfi", "-i", "testsrc=s=33x17", "-frames:v", "1" })]
    [InlineData("lossy.webp", new[] { "-f", "lavfi", "-i", "testsrc=s=100x60", "-frames:v", "1" })]
    [InlineData("lossless.webp", new[] { "-f", "lavfi", "-i", "testsrc=s=99x61", "-frames:v", "1", "-lossless", "1" })]
    [InlineData("a.wav", new[] { "-f", "lavfi", "-i", "sine=d=2.5:sample_rate=22050", "-ac", "2" })]
    [InlineData("a.flac", new[] { "-f", "lavfi", "-i", "sine=d=1.75:sample_rate=44100" })]
    public async Task Headers_say_what_ffprobe_says(string name, string[] arguments)
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-sniff-").FullName;
        try
        {
            var bare = TestMedia.FfmpegWithoutExtension(folder, name, arguments);
            var probed = await new MediaProbe(new ToolRunner(new MediaToolOptions())).ProbeAsync(bare);

            var sniffed = MediaSniffer.Sniff(bare);
            Assert.NotNull(sniffed);
            Assert.Equal(probed.Classify(out _), sniffed.Kind);
            Assert.Equal(probed.Format, sniffed.Format);
            if (sniffed.Kind == MediaKind.Image)
            {
                Assert.Equal((probed.Width, probed.Height), (sniffed.Width, sniffed.Height));
            }
            else
            {
                Assert.Equal(probed.DurationSeconds!.Value, sniffed.DurationSeconds!.Value, 3);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("a.mp3", new[] { "-f", "lavfi", "-i", "sine=d=1" })]
    [InlineData("a.mkv", new[] { "-f", "lavfi", "-i", "testsrc=s=64x48:d=1" })]
    [InlineData("a.apng", new[] { "-f", "lavfi", "-i", "testsrc=s=32x32:d=0.3", "-r", "10", "-plays", "0", "-f", "apng" })]
    [InlineData("a.ogg", new[] { "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libvorbis" })]
    public void Other_formats_are_left_to_ffprobe(string name, string[] arguments)
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-sniff-").FullName;
        try
        {
            var file = Path.Combine(folder, name);
            TestMedia.Ffmpeg([.. arguments, file]);
            Assert.Null(MediaSniffer.Sniff(file));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Cut_or_garbled_headers_are_left_to_ffprobe()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
        Assert.Null(MediaSniffer.Sniff(png));                        // IHDR cut before its size
        Assert.Null(MediaSniffer.Sniff("RIFF\0\0\0\0WAVEfmt "u8));    // no data chunk
        Assert.Null(MediaSniffer.Sniff([0xFF, 0xD8, 0xFF, 0xDA, 0, 4, 0, 0, 0, 0, 0, 0])); // scan before a frame header
        Assert.Null(MediaSniffer.Sniff("Dear reader, not an image"u8));
    }
}
