using BrewClip.Testing;
namespace BrewClip.Media.Tests;

public sealed class CenterCropDecoderTests : IDisposable
{
    private readonly TestImages _images = new();
    private readonly CenterCropDecoder _decoder = new(new ToolRunner(new MediaToolOptions()));

    public void Dispose() => _images.Dispose();

    [Theory]
    [InlineData("wide.png")]
    [InlineData("wide.jpg")]
    [InlineData("wide.webp")]
    [InlineData("wide.bmp")]
    [InlineData("wide.gif")]
    public async Task Wide_image_is_cropped_to_its_centre_square(string name)
    {
        // 448x224, left half red: the centre 224 square is red on its left half, blue on its right.
        var path = _images.RedBlue(name, 448, 224);
        var image = Assert.Single(await _decoder.DecodeAsync([path]));
        Assert.True(image.Succeeded, image.Error);
        Assert.Equal(224 * 224 * 3, image.Rgb!.Length);
        AssertColour(image.Rgb, x: 20, y: 100, red: true);
        AssertColour(image.Rgb, x: 200, y: 100, red: false);
    }

    [Fact]
    public async Task Large_image_is_scaled_by_its_shortest_side()
    {
        // 1200x600 scales to 448x224; the crop then shows the same halves as above.
        var path = _images.RedBlue("large.png", 1200, 600);
        var image = (await _decoder.DecodeAsync([path]))[0];
        AssertColour(image.Rgb!, x: 20, y: 100, red: true);
        AssertColour(image.Rgb!, x: 200, y: 100, red: false);
    }

    [Fact]
    public async Task Exif_orientation_is_honoured()
    {
        // Stored 448x224 (red left) with orientation 6: shown rotated 90° clockwise, red on top.
        var stored = File.ReadAllBytes(_images.RedBlue("stored.jpg", 448, 224));
        var rotated = _images.Write("rotated.jpg", TestMedia.JpegWithOrientation(stored, 6));
        var image = (await _decoder.DecodeAsync([rotated]))[0];
        Assert.True(image.Succeeded, image.Error);
        AssertColour(image.Rgb!, x: 100, y: 20, red: true);
        AssertColour(image.Rgb!, x: 100, y: 200, red: false);
    }

    [Fact]
    public async Task Animated_gif_gives_its_first_frame()
    {
        var image = (await _decoder.DecodeAsync([_images.RedThenGreenGif("anim.gif")]))[0];
        Assert.True(image.Succeeded, image.Error);
        AssertColour(image.Rgb!, x: 112, y: 112, red: true);
    }

    [Fact]
    public async Task A_bad_file_fails_alone_and_the_batch_keeps_its_order()
    {
        var good1 = _images.RedBlue("a.png", 448, 224);
        var corrupt = _images.Write("corrupt.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2, 3]);
        var notImage = _images.Write("text.png", "hello, I am not a picture"u8.ToArray());
        var good2 = _images.RedBlue("b.jpg", 224, 448);
        var missing = Path.Combine(_images.Folder, "missing.png");

        var results = await _decoder.DecodeAsync([good1, corrupt, notImage, good2, missing]);

        Assert.Equal([good1, corrupt, notImage, good2, missing], results.Select(r => r.Path));
        Assert.True(results[0].Succeeded);
        Assert.True(results[3].Succeeded);
        Assert.False(results[1].Succeeded);
        Assert.StartsWith("not a readable image", results[1].Error, StringComparison.Ordinal);
        Assert.False(results[2].Succeeded);
        Assert.Equal("the file does not exist", results[4].Error);
        // 224x448 portrait, red left: after the crop, still red left.
        AssertColour(results[3].Rgb!, x: 20, y: 200, red: true);
    }

    [Fact]
    public async Task Missing_ffmpeg_is_a_clear_error()
    {
        var decoder = new CenterCropDecoder(new ToolRunner(new MediaToolOptions { BinaryFolder = "/nonexistent" }));
        var e = await Assert.ThrowsAsync<MediaException>(() => decoder.DecodeAsync([_images.RedBlue("x.png", 64, 64)]));
        Assert.Contains("/nonexistent/ffmpeg", e.Message, StringComparison.Ordinal);
    }

    private static void AssertColour(byte[] rgb, int x, int y, bool red)
    {
        var i = (y * 224 + x) * 3;
        var (r, g, b) = (rgb[i], rgb[i + 1], rgb[i + 2]);
        Assert.True(red ? r > 200 && b < 60 : b > 200 && r < 60, $"pixel ({x}, {y}) is ({r}, {g}, {b}), expected {(red ? "red" : "blue")}");
        Assert.True(g < 60, $"pixel ({x}, {y}) is ({r}, {g}, {b})");
    }
}
