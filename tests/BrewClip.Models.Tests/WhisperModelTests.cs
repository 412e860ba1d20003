using System.Text.Json;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Models.Tests;

/// <summary>
/// The decoding loop on tests/fixtures/models/whisper-base, whose greedy tokens for a fixed input
/// were computed by the fixture script's numpy reference (which never runs the ONNX graphs).
/// </summary>
public sealed class WhisperModelTests : IDisposable
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "fixtures", "models", "whisper-base");
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement;
    private readonly WhisperModel _model = new(OnnxEnvironment.Shared(), Folder);

    public void Dispose() => _model.Dispose();

    private static float[] Features()
    {
        // sin(0.05 * mel + 0.003 * frame) * 0.8, as the fixture script fed its reference
        var features = new float[80 * 3000];
        for (var m = 0; m < 80; m++)
        {
            for (var t = 0; t < 3000; t++)
            {
                features[m * 3000 + t] = (float)(Math.Sin(0.05 * m + 0.003 * t) * 0.8);
            }
        }
        return features;
    }

    private static int[] ExpectedTokens => Expected.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void Encoder_gives_1500_states_for_a_window()
    {
        Assert.Equal(80, _model.MelBins);
        Assert.Equal(16, _model.Width);
        Assert.Equal(1500 * 16, _model.Encode(Features()).Length);
    }

    [Fact]
    public void Greedy_decoding_with_the_cache_gives_the_reference_tokens()
    {
        var states = _model.Encode(Features());
        var transcript = _model.Decode(states, new WhisperDecodeOptions { Language = "en" });
        Assert.Equal(ExpectedTokens, transcript.Tokens);
        Assert.Equal(_model.Tokenizer.Decode(ExpectedTokens).Trim(), transcript.Text);
        Assert.Equal("en", transcript.Language);
    }

    [Fact]
    public void Decoding_without_the_cache_gives_the_same_tokens()
    {
        var states = _model.Encode(Features());
        var cached = _model.Decode(states, new WhisperDecodeOptions { Language = "en" });
        var uncached = _model.Decode(states, new WhisperDecodeOptions { Language = "en", UseCache = false });
        Assert.Equal(cached.Tokens, uncached.Tokens);
    }

    [Fact]
    public void The_prompt_and_suppress_lists_shape_the_output()
    {
        var states = _model.Encode(Features());
        var tokens = _model.Decode(states, new WhisperDecodeOptions { Language = "en" }).Tokens;
        Assert.DoesNotContain(tokens, t => _model.Generation.SuppressTokens.Contains(t));
        Assert.DoesNotContain(tokens, t => _model.Tokenizer.IsTimestamp(t));
        Assert.True(tokens.Count <= _model.Generation.MaxLength - 4);
        Assert.Equal(ExpectedTokens.Take(5), _model.Decode(states, new WhisperDecodeOptions { Language = "en", MaxNewTokens = 5 }).Tokens);
    }

    [Fact]
    public void Language_is_detected_when_not_given()
    {
        var states = _model.Encode(Features());
        var detected = _model.DetectLanguage(states, 1500);
        Assert.Contains(detected, _model.Tokenizer.Languages);
        Assert.Equal(detected, _model.Decode(states, new WhisperDecodeOptions { MaxNewTokens = 3 }).Language);
    }
}
