using System.Numerics.Tensors;
using BrewClip.Models.Catalogue;
using BrewClip.Models.Clip;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Models.Tests;

/// <summary>
/// Every model of the catalogue, at each precision, through the code that runs it, on the stand-ins in
/// tests/fixtures/catalogue (made by make_catalogue_fixtures.py with each entry's shapes; the 8-bit ones through the
/// operators of the published `_quantized` files). The widths the rest of the system follows come from the files.
/// </summary>
public sealed class CatalogueStandInTests
{
    private static readonly OnnxEnvironment Environment = OnnxEnvironment.Shared();
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "fixtures", "catalogue");

    public static TheoryData<string, string> Clips() => Pairs(ModelFamily.Clip);

    public static TheoryData<string, string> Whispers() => Pairs(ModelFamily.Whisper);

    private static TheoryData<string, string> Pairs(ModelFamily family)
    {
        var data = new TheoryData<string, string>();
        foreach (var name in ModelCatalogue.Names(family))
        {
            data.Add(name, "fp32");
            data.Add(name, "int8");
        }
        return data;
    }

    private static ModelStore Store(string clip, string whisper, string precision) =>
        new ModelOptions { Root = Root, Clip = clip, Whisper = whisper, Precision = precision }.Store();

    [Theory]
    [MemberData(nameof(Clips))]
    public void Every_clip_loads_and_embeds_images_and_texts_at_its_width(string name, string precision)
    {
        var store = Store(name, ModelCatalogue.DefaultWhisper, precision);
        var entry = store.Choice.Clip;
        using var vision = new ClipVisionTower(Environment, store.ClipVision());
        Assert.Equal(entry.Width, vision.EmbeddingSize);
        var images = vision.Embed(Pixels(2), 2);
        Assert.Equal(entry.Width, images.Row(0).Length);
        Assert.Equal(1, TensorPrimitives.Norm(images.Row(1).Span), 4);

        var files = store.ClipText();
        using var text = new ClipTextTower(Environment, files.TextModel, ClipTokenizer.FromFiles(files.Vocabulary, files.Merges));
        var features = text.Encode(["the dog", "a cat"]);
        Assert.Equal(entry.Width, features.Embeddings.Row(0).Length);
        Assert.Equal(entry.TextWidth, features.Width);
        Assert.Equal(2 * 77 * entry.TextWidth, features.TokenStates.Length);
    }

    [Theory]
    [MemberData(nameof(Whispers))]
    public void Every_whisper_loads_encodes_at_its_width_and_mel_bins_and_decodes(string name, string precision)
    {
        var store = Store(ModelCatalogue.DefaultClip, name, precision);
        var entry = store.Choice.Whisper;
        using var model = new WhisperModel(Environment, store.Whisper());
        Assert.Equal((entry.MelBins, entry.Width), (model.MelBins, model.Width));

        var mel = new WhisperLogMel(model.MelBins);
        var tone = Enumerable.Range(0, WhisperLogMel.SampleRate * 3).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / WhisperLogMel.SampleRate))).ToArray();
        var states = model.Encode(mel.ComputeWindow(tone));
        Assert.Equal(1500 * entry.Width, states.Length);
        var transcript = model.Decode(states, new WhisperDecodeOptions { Language = "en" });
        Assert.NotEmpty(transcript.Tokens);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_8_bit_clip_agrees_with_its_full_precision_one(string name, string precision)
    {
        if (precision != "int8")
        {
            return;
        }
        using var full = new ClipVisionTower(Environment, Store(name, ModelCatalogue.DefaultWhisper, "fp32").ClipVision());
        using var quantised = new ClipVisionTower(Environment, Store(name, ModelCatalogue.DefaultWhisper, "int8").ClipVision());
        var pixels = Pixels(4);
        var a = full.Embed(pixels, 4);
        var b = quantised.Embed(pixels, 4);
        for (var i = 0; i < 4; i++)
        {
            var cosine = TensorPrimitives.CosineSimilarity(a.Row(i).Span, b.Row(i).Span);
            Assert.True(cosine > 0.98, $"{name} image {i}: cosine {cosine} between the fp32 and the 8-bit vector");
        }
        // Quantised, not the same graph: the vectors differ.
        Assert.NotEqual(a.Row(0).ToArray(), b.Row(0).ToArray());
    }

    private static float[] Pixels(int count)
    {
        var random = new Random(7);
        var pixels = new float[count * ClipImagePreprocessor.ValuesPerImage];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        }
        return pixels;
    }
}
