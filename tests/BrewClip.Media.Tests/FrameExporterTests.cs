using BrewClip.Testing;

namespace BrewClip.Media.Tests;

public sealed class FrameExporterTests : IDisposable
{
    private readonly TestImages _images = new();
    private readonly ToolRunner _tools = new(new MediaToolOptions());

    public void Dispose() => _images.Dispose();

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    public async Task An_exif_rotated_image_is_stored_upright_and_its_crop_is_the_decoders_crop(string format)
    {
        // Stored 448x224 (red left, blue right) with orientation 6: shown rotated 90° clockwise, 224x448, red on top.
        var stored = File.ReadAllBytes(_images.RedBlue($"stored.{format}", 448, 224));
        var rotated = _images.Write($"rotated.{format}", format == "jpg" ? TestMedia.JpegWithOrientation(stored, 6) : TestMedia.PngWithOrientation(stored, 6));
        var (png, crop) = (Out("rotated.png"), Out("rotated.rgb"));

        Assert.Null(await new FrameExporter(_tools).ExportImageAsync(rotated, png, crop));

        var probed = await new MediaProbe(_tools).ProbeAsync(png);
        Assert.Equal((224, 448), (probed.Width, probed.Height));
        var expected = (await new CenterCropDecoder(_tools).DecodeAsync([rotated]))[0];
        Assert.True(expected.Succeeded, expected.Error);
        Assert.Equal(expected.Rgb, File.ReadAllBytes(crop));
        AssertRed(File.ReadAllBytes(crop), x: 112, y: 20, red: true);
        AssertRed(File.ReadAllBytes(crop), x: 112, y: 200, red: false);
        // The stored PNG decodes to the same crop (to rounding: a JPEG's colours are converted to RGB before
        // the scale instead of during it), so nothing downstream needs the original's EXIF.
        var fromPng = (await new CenterCropDecoder(_tools).DecodeAsync([png]))[0].Rgb!;
        Assert.InRange(fromPng.Zip(expected.Rgb!, (a, b) => Math.Abs(a - b)).Max(), 0, 2);
    }

    [Fact]
    public async Task A_video_frame_is_taken_at_the_time_asked()
    {
        // One second of red, then one of blue.
        var video = Path.Combine(_images.Folder, "clip.mkv");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=red:s=320x240:d=1:r=10", "-f", "lavfi", "-i", "color=c=blue:s=320x240:d=1:r=10",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1", "-c:v", "ffv1", video);
        var exporter = new FrameExporter(_tools);

        Assert.Null(await exporter.ExportVideoFrameAsync(video, 0.5, Out("a.png"), Out("a.rgb")));
        Assert.Null(await exporter.ExportVideoFrameAsync(video, 1.5, Out("b.png"), Out("b.rgb")));

        Assert.Equal(exporter.CropBytes, new FileInfo(Out("a.rgb")).Length);
        AssertRed(File.ReadAllBytes(Out("a.rgb")), x: 112, y: 112, red: true);
        AssertRed(File.ReadAllBytes(Out("b.rgb")), x: 112, y: 112, red: false);
        var probed = await new MediaProbe(_tools).ProbeAsync(Out("b.png"));
        Assert.Equal((320, 240), (probed.Width, probed.Height));
    }

    [Theory]
    [InlineData(3000, 1000, 1024, 341)]
    [InlineData(600, 1500, 410, 1024)]
    [InlineData(800, 600, 800, 600)]
    public async Task A_large_image_is_stored_scaled_down_to_the_bound_and_its_crop_is_still_from_the_full_image(int width, int height, int pngWidth, int pngHeight)
    {
        var source = Path.Combine(_images.Folder, $"big-{width}x{height}.jpg");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", $"testsrc2=size={width}x{height}", "-frames:v", "1", source);

        Assert.Null(await new FrameExporter(_tools, pngMaxSide: 1024).ExportImageAsync(source, Out("big.png"), Out("big.rgb")));

        var probed = await new MediaProbe(_tools).ProbeAsync(Out("big.png"));
        Assert.Equal((pngWidth, pngHeight), (probed.Width, probed.Height));
        Assert.Equal((await new CenterCropDecoder(_tools).DecodeAsync([source]))[0].Rgb, File.ReadAllBytes(Out("big.rgb")));
    }

    [Fact]
    public async Task Without_a_crop_path_only_the_png_is_written()
    {
        var source = _images.RedBlue("plain.bmp", 300, 200);
        Assert.Null(await new FrameExporter(_tools).ExportImageAsync(source, Out("plain.png")));
        Assert.True(new FileInfo(Out("plain.png")).Length > 0);
        Assert.Single(Directory.GetFiles(Path.Combine(_images.Folder, "out")));
    }

    [Fact]
    public async Task A_corrupt_image_gives_ffmpegs_reason()
    {
        var corrupt = _images.Write("corrupt.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[100]]);
        var error = await new FrameExporter(_tools).ExportImageAsync(corrupt, Out("corrupt.png"), Out("corrupt.rgb"));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    private string Out(string name) => Path.Combine(Directory.CreateDirectory(Path.Combine(_images.Folder, "out")).FullName, name);

    private static void AssertRed(byte[] rgb, int x, int y, bool red)
    {
        var at = (y * 224 + x) * 3;
        Assert.True(red ? rgb[at] > 200 && rgb[at + 2] < 60 : rgb[at] < 60 && rgb[at + 2] > 200, $"pixel ({x},{y}) = {rgb[at]},{rgb[at + 1]},{rgb[at + 2]}");
    }
}
