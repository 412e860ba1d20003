using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BrewClip.Models.Clip;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Benchmarks;

/// <summary>
/// What each catalogue model costs here, on full-size stand-ins with random weights (the published shapes; made by the
/// fixture scripts' --full DIR --model NAME [--int8] into bench/models/catalogue/NAME[-int8]): CLIP images a second
/// through the vision tower (batches of 8) and texts a second through the text tower; Whisper's encoder time per 30 s
/// window and the decoder's time per token (greedy, with the cache), and the real-time factor of a window of 60 tokens.
/// Where both precisions are present, the 8-bit model's speed as a ratio to fp32's, measured in the same run, and the
/// cosine between the two precisions' vectors for the same input (images, and Whisper's encoder states).
/// </summary>
internal static class ModelsBenchmark
{
    private const int Batch = 8;
    private const int TokensPerWindow = 60;

    public static void Run(bool quick)
    {
        var root = Environment.GetEnvironmentVariable("BREWCLIP_BENCH_CATALOGUE")
            ?? Path.Combine(ImageEmbeddingBenchmark.FindRoot(), "bench", "models", "catalogue");
        Console.WriteLine("# The catalogue's models on full-size stand-ins (random weights), fp32 and int8");
        if (!Directory.Exists(root))
        {
            Console.WriteLine($"skipped: {root} is missing; make stand-ins with `/usr/bin/python3 tests/fixtures/make_clip_fixtures.py --full {root}/NAME --model NAME [--int8]` " +
                "(and make_whisper_fixtures.py for Whisper), NAME-int8 for the 8-bit ones");
            Console.WriteLine();
            return;
        }
        var environment = OnnxEnvironment.Shared();
        var runs = quick ? 2 : 5;
        foreach (var name in BrewClip.Models.Catalogue.ModelCatalogue.Names(BrewClip.Models.Catalogue.ModelFamily.Clip))
        {
            var fp32 = Clip(environment, Path.Combine(root, name), runs);
            var int8 = Clip(environment, Path.Combine(root, name + "-int8"), runs);
            if (fp32 is null && int8 is null)
            {
                continue;
            }
            Console.WriteLine($"{name}: {Describe(fp32)} fp32, {Describe(int8)} int8");
            if (fp32 is not null && int8 is not null)
            {
                var cosines = Enumerable.Range(0, fp32.Value.Vectors.Count).Select(i => TensorPrimitives.CosineSimilarity(fp32.Value.Vectors[i], int8.Value.Vectors[i])).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  int8/fp32: images {int8.Value.ImagesPerSecond / fp32.Value.ImagesPerSecond:F2}x, texts {int8.Value.TextsPerSecond / fp32.Value.TextsPerSecond:F2}x; " +
                    $"image vector cosine mean {cosines.Average():F4}, min {cosines.Min():F4}"));
            }
        }
        foreach (var name in BrewClip.Models.Catalogue.ModelCatalogue.Names(BrewClip.Models.Catalogue.ModelFamily.Whisper))
        {
            var fp32 = Whisper(environment, Path.Combine(root, name), runs);
            var int8 = Whisper(environment, Path.Combine(root, name + "-int8"), runs);
            if (fp32 is null && int8 is null)
            {
                continue;
            }
            Console.WriteLine($"{name}: {Describe(fp32)} fp32, {Describe(int8)} int8");
            if (fp32 is not null && int8 is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  int8/fp32: encoder {fp32.Value.EncoderMs / int8.Value.EncoderMs:F2}x, decoder {fp32.Value.TokenMs / int8.Value.TokenMs:F2}x as fast; " +
                    $"encoder states cosine {TensorPrimitives.CosineSimilarity(fp32.Value.States, int8.Value.States):F4}"));
            }
        }
        foreach (var name in new[] { "whisper-base", "whisper-base-int8" })
        {
            Batched(environment, Path.Combine(root, name), runs);
        }
        Console.WriteLine();
    }

    /// <summary>Decoded tokens a second with windows decoded one at a time against 4 and 8 together (DecodeBatch).</summary>
    private static void Batched(OnnxEnvironment environment, string folder, int runs)
    {
        if (!File.Exists(Path.Combine(folder, "decoder_model_merged.onnx")))
        {
            return;
        }
        using var model = new WhisperModel(environment, folder);
        var mel = new WhisperLogMel(model.MelBins);
        var states = Enumerable.Range(0, 8).Select(w => model.Encode(mel.ComputeWindow(Enumerable.Range(0, WhisperLogMel.WindowSamples)
            .Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * (110 + 40 * w) * i / WhisperLogMel.SampleRate))).ToArray()))).ToList();
        var options = new WhisperDecodeOptions { Language = "en", MaxNewTokens = TokensPerWindow };
        var tokens = 0;
        var serial = Timing.Median(() => tokens = states.Sum(s => model.Decode(s, options).Tokens.Count), warmup: 1, runs);
        var serialRate = tokens / serial.TotalSeconds;
        var line = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(folder)} batched decoding: 1 window at a time {serialRate:F0} tokens/s");
        foreach (var size in new[] { 4, 8 })
        {
            var batch = states.Take(size).ToList();
            var count = 0;
            var time = Timing.Median(() => count = model.DecodeBatch(batch, options).Sum(t => t.Tokens.Count), warmup: 1, runs);
            line += string.Create(CultureInfo.InvariantCulture, $", {size} together {count / time.TotalSeconds:F0} tokens/s ({count / time.TotalSeconds / serialRate:F2}x)");
        }
        Console.WriteLine(line);
    }

    private static (double ImagesPerSecond, double TextsPerSecond, List<float[]> Vectors)? Clip(OnnxEnvironment environment, string folder, int runs)
    {
        if (!File.Exists(Path.Combine(folder, "vision_model.onnx")))
        {
            return null;
        }
        using var vision = new ClipVisionTower(environment, Path.Combine(folder, "vision_model.onnx"));
        var random = new Random(3);
        var pixels = new float[Batch * ClipImagePreprocessor.ValuesPerImage];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        }
        ClipEmbeddings? embeddings = null;
        var image = Timing.Median(() => embeddings = vision.Embed(pixels, Batch), warmup: 1, runs);
        using var text = new ClipTextTower(environment, Path.Combine(folder, "text_model.onnx"),
            ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt")));
        var texts = Enumerable.Range(0, Batch).Select(i => $"a photo of {i} dogs running on the beach at noon").ToList();
        var words = Timing.Median(() => text.Encode(texts), warmup: 1, runs);
        return (Batch / image.TotalSeconds, Batch / words.TotalSeconds, Enumerable.Range(0, Batch).Select(i => embeddings!.Row(i).ToArray()).ToList());
    }

    private static (double EncoderMs, double TokenMs, float[] States)? Whisper(OnnxEnvironment environment, string folder, int runs)
    {
        if (!File.Exists(Path.Combine(folder, "decoder_model_merged.onnx")))
        {
            return null;
        }
        using var model = new WhisperModel(environment, folder);
        var mel = new WhisperLogMel(model.MelBins);
        var tone = Enumerable.Range(0, WhisperLogMel.WindowSamples).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 220 * i / WhisperLogMel.SampleRate))).ToArray();
        var features = mel.ComputeWindow(tone);
        float[] states = [];
        var encoder = Timing.Median(() => states = model.Encode(features), warmup: 1, runs);
        // Greedy decoding of a fixed number of tokens (random weights never say when to stop): the time per token.
        var options = new WhisperDecodeOptions { Language = "en", MaxNewTokens = TokensPerWindow };
        var tokens = 0;
        var decode = Timing.Median(() => tokens = model.Decode(states, options).Tokens.Count, warmup: 1, runs);
        return (encoder.TotalMilliseconds, decode.TotalMilliseconds / Math.Max(1, tokens), states);
    }

    private static string Describe((double ImagesPerSecond, double TextsPerSecond, List<float[]> Vectors)? clip) => clip is { } c
        ? string.Create(CultureInfo.InvariantCulture, $"{c.ImagesPerSecond:F1} images/s, {c.TextsPerSecond:F1} texts/s")
        : "(no stand-in)";

    private static string Describe((double EncoderMs, double TokenMs, float[] States)? whisper) => whisper is { } w
        ? string.Create(CultureInfo.InvariantCulture,
            $"encoder {w.EncoderMs:F0} ms a window, decoder {w.TokenMs:F1} ms a token, real-time factor {(w.EncoderMs + TokensPerWindow * w.TokenMs) / 30000:F3} at {TokensPerWindow} tokens a window")
        : "(no stand-in)";
}
