using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Models.Tests;

/// <summary>Batched greedy decoding gives every window the tokens serial decoding gives it, rows leaving as they end.</summary>
public sealed class WhisperBatchTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static TheoryData<string> Models() => new()
    {
        Path.Combine(Fixtures, "models", "whisper-base"),
        // Its windows end at different steps (make_whisper_fixtures.py --ending), so rows leave the batch while others go on.
        Path.Combine(Fixtures, "models", "whisper-ends"),
        Path.Combine(Fixtures, "catalogue", "whisper-tiny"),
        Path.Combine(Fixtures, "catalogue", "whisper-large-v3-turbo-int8"),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Eight_windows_decoded_together_get_the_tokens_each_gets_alone(string folder)
    {
        using var model = new WhisperModel(OnnxEnvironment.Shared(), folder);
        var states = Enumerable.Range(0, 8).Select(i => model.Encode(Features(model.MelBins, i))).ToList();
        foreach (var options in new[]
                 {
                     new WhisperDecodeOptions { Language = "en" },
                     new WhisperDecodeOptions { Language = "en", Timestamps = true },
                     new WhisperDecodeOptions(),
                 })
        {
            var serial = states.Select(s => model.Decode(s, options)).ToList();
            var batched = model.DecodeBatch(states, options);

            Assert.Equal(serial.Select(t => t.Tokens), batched.Select(t => t.Tokens));
            Assert.Equal(serial.Select(t => (t.Text, t.Language)), batched.Select(t => (t.Text, t.Language)));
            if (folder.EndsWith("whisper-ends", StringComparison.Ordinal))
            {
                // Rows of different lengths: some left the batch while others went on.
                Assert.True(serial.Select(t => t.Tokens.Count).Distinct().Count() >= 2, string.Join(", ", serial.Select(t => t.Tokens.Count)));
            }
        }
        Assert.Empty(model.DecodeBatch([], new WhisperDecodeOptions()));
        Assert.Equal(model.Decode(states[3], new WhisperDecodeOptions { Language = "en" }).Tokens,
            Assert.Single(model.DecodeBatch([states[3]], new WhisperDecodeOptions { Language = "en" })).Tokens);
    }

    /// <summary>A deterministic pattern per window, different for each.</summary>
    private static float[] Features(int mels, int window)
    {
        var features = new float[mels * 3000];
        var random = new Random(window);
        var (rate, phase) = (0.001 + 0.002 * window, random.NextDouble() * 6);
        for (var m = 0; m < mels; m++)
        {
            for (var t = 0; t < 3000; t++)
            {
                features[m * 3000 + t] = (float)(Math.Sin(0.05 * m * (1 + window % 3) + rate * t + phase) * 0.8);
            }
        }
        return features;
    }
}
