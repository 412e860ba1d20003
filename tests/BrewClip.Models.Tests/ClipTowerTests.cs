using BrewClip.Media;
using BrewClip.Models.Clip;
using BrewClip.Onnx;

namespace BrewClip.Models.Tests;

public sealed class ClipTowerTests : IDisposable
{
    private static readonly OnnxEnvironment Environment = OnnxEnvironment.Shared();
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");
    private readonly ModelStore _store = new(Path.Combine(Fixtures, "models"));
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-clip-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Pixel_values_are_clip_normalised_channel_planes()
    {
        var rgb = new byte[224 * 224 * 3];
        for (var p = 0; p < 224 * 224; p++)
        {
            (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (255, 0, 128);
        }
        var chw = new float[3 * 224 * 224];
        ClipImagePreprocessor.ToPixelValues(rgb, chw);
        Assert.Equal((1 - 0.48145466) / 0.26862954, chw[0], 5);
        Assert.Equal((0 - 0.4578275) / 0.26130258, chw[224 * 224], 5);
        Assert.Equal((128 / 255.0 - 0.40821073) / 0.27577711, chw[2 * 224 * 224 + 500], 5);
    }

    [Fact]
    public async Task Preprocessing_keeps_order_and_reports_bad_images()
    {
        var red = MakeImage("red.png", "red");
        var blue = MakeImage("blue.jpg", "blue");
        var bad = Path.Combine(_folder, "bad.png");
        File.WriteAllText(bad, "nope");
        var preprocessor = new ClipImagePreprocessor(new CenterCropDecoder(new ToolRunner(new MediaToolOptions())), parallelism: 2);

        var batch = await preprocessor.PreprocessAsync([red, bad, blue]);

        Assert.Equal([0, 2], batch.SourceIndex);
        Assert.Equal(2 * ClipImagePreprocessor.ValuesPerImage, batch.PixelValues.Length);
        var failure = Assert.Single(batch.Failures);
        Assert.Equal(1, failure.Index);
        Assert.True(batch.PixelValues[0] > 1.5f, "red image: high red channel");
        Assert.True(batch.PixelValues[ClipImagePreprocessor.ValuesPerImage] < -1.5f, "blue image: low red channel");
    }

    [Fact]
    public async Task Ready_made_crops_are_used_and_a_missing_or_malformed_one_falls_back_to_decoding()
    {
        var red = MakeImage("red.png", "red");
        var blue = MakeImage("blue.jpg", "blue");
        var bad = Path.Combine(_folder, "bad.png");
        File.WriteAllText(bad, "nope");
        // A green crop stands for the red image: if it is used, the pixels are green, which proves no decode happened.
        var green = Path.Combine(_folder, "green.rgb");
        File.WriteAllBytes(green, Enumerable.Range(0, ClipImagePreprocessor.ValuesPerImage).Select(i => (byte)(i % 3 == 1 ? 255 : 0)).ToArray());
        var shortCrop = Path.Combine(_folder, "short.rgb");
        File.WriteAllBytes(shortCrop, new byte[1000]);
        var preprocessor = new ClipImagePreprocessor(new CenterCropDecoder(new ToolRunner(new MediaToolOptions())), parallelism: 2);

        var batch = await preprocessor.PreprocessAsync([
            new ImageInput(red, green), new ImageInput(blue, shortCrop), new ImageInput(bad, Path.Combine(_folder, "missing.rgb")), new ImageInput(red, null)]);

        Assert.Equal(1, batch.CropsRead);
        Assert.Equal([0, 1, 3], batch.SourceIndex);
        Assert.Equal(2, Assert.Single(batch.Failures).Index);
        const int plane = ClipImagePreprocessor.Size * ClipImagePreprocessor.Size;
        var expected = new float[ClipImagePreprocessor.ValuesPerImage];
        ClipImagePreprocessor.ToPixelValues(File.ReadAllBytes(green), expected);
        Assert.Equal(expected, batch.PixelValues[..ClipImagePreprocessor.ValuesPerImage]);
        Assert.True(batch.PixelValues[ClipImagePreprocessor.ValuesPerImage + 2 * plane] > 1.5f, "the blue image, decoded: high blue channel");
        Assert.True(batch.PixelValues[2 * ClipImagePreprocessor.ValuesPerImage] > 1.5f, "the red image, decoded: high red channel");
    }

    [Fact]
    public void Vision_tower_embeds_a_batch_as_single_runs_do()
    {
        using var tower = new ClipVisionTower(Environment, _store.ClipVision());
        Assert.Equal(512, tower.EmbeddingSize);
        var random = new Random(1);
        var pixels = new float[3 * ClipImagePreprocessor.ValuesPerImage];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        }

        var batch = tower.Embed(pixels, 3);

        for (var i = 0; i < 3; i++)
        {
            var single = tower.Embed(pixels.AsMemory(i * ClipImagePreprocessor.ValuesPerImage, ClipImagePreprocessor.ValuesPerImage), 1);
            var a = batch.Row(i).ToArray();
            var b = single.Row(0).ToArray();
            for (var d = 0; d < 512; d++)
            {
                Assert.Equal(b[d], a[d], 4);
            }
            Assert.Equal(1, System.Numerics.Tensors.TensorPrimitives.Norm(a), 4);
        }
        Assert.NotEqual(batch.Row(0).ToArray(), batch.Row(1).ToArray());
    }

    [Fact]
    public void Text_tower_tokenizes_pads_and_embeds()
    {
        var files = _store.ClipText();
        var tokenizer = ClipTokenizer.FromFiles(files.Vocabulary, files.Merges);
        using var tower = new ClipTextTower(Environment, files.TextModel, tokenizer);

        var features = tower.Encode(["the dog", "a cat on the mat", "the dog"]);

        Assert.Equal(3, features.Embeddings.Count);
        Assert.Equal(16, features.Width);
        Assert.Equal(3 * 77 * 16, features.TokenStates.Length);
        // "the dog": start, "the</w>", "dog</w>", end
        Assert.Equal(4, features.Lengths[0]);
        Assert.Equal(features.Embeddings.Row(0).ToArray(), features.Embeddings.Row(2).ToArray());
        Assert.NotEqual(features.Embeddings.Row(0).ToArray(), features.Embeddings.Row(1).ToArray());
        Assert.Equal(1, System.Numerics.Tensors.TensorPrimitives.Norm(features.Embeddings.Row(1).Span), 4);
    }

    [Fact]
    public void A_model_that_is_not_a_clip_export_is_refused_with_what_it_has()
    {
        var e = Assert.Throws<InvalidDataException>(() => new ClipVisionTower(Environment, Path.Combine(Fixtures, "onnx", "arith.onnx")));
        Assert.Contains("pixel_values", e.Message, StringComparison.Ordinal);
        Assert.Contains("x: Float[batch, 4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_names_the_file_and_where_to_put_it()
    {
        var e = Assert.Throws<ModelMissingException>(() => new ModelStore(_folder).ClipVision());
        Assert.Contains(Path.Combine(_folder, "clip-vit-base-patch32", "vision_model.onnx"), e.Message, StringComparison.Ordinal);
        Assert.Contains("BREWCLIP_MODELS", e.Message, StringComparison.Ordinal);
        Assert.Contains("brewclip models pull clip-vit-base-patch32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_tower_asks_only_for_its_own_files()
    {
        // A store with the text tower and tokenizer but no vision model: enough for AcousticEmbedding.
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "text-only", "clip-vit-base-patch32")).FullName;
        foreach (var name in new[] { "text_model.onnx", "vocab.json", "merges.txt" })
        {
            File.Copy(Path.Combine(Fixtures, "models", "clip-vit-base-patch32", name), Path.Combine(folder, name));
        }
        var store = new ModelStore(Path.Combine(_folder, "text-only"));
        Assert.Equal(Path.Combine(folder, "text_model.onnx"), store.ClipText().TextModel);
        var e = Assert.Throws<ModelMissingException>(() => store.ClipVision());
        Assert.Contains(Path.Combine(folder, "vision_model.onnx"), e.Message, StringComparison.Ordinal);
    }

    private string MakeImage(string name, string colour)
    {
        var path = Path.Combine(_folder, name);
        using var process = System.Diagnostics.Process.Start("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", $"color=c={colour}:s=300x260", "-frames:v", "1", path])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return path;
    }
}
