using System.Text.Json;
using BrewClip.Models.Whisper;

namespace BrewClip.Models.Tests;

/// <summary>Against golden output of Whisper's reference computation (tests/fixtures/make_whisper_mel_golden.py, torch.stft).</summary>
public sealed class WhisperLogMelTests
{
    private static readonly JsonElement Golden = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "whisper", "log_mel_golden.json"))).RootElement;

    private static float[] Signal => Golden.GetProperty("signal").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [Theory]
    [InlineData(80, "log_mel_80")]
    [InlineData(128, "log_mel_128")]
    public void Matches_the_reference_log_mel_spectrogram(int bins, string key)
    {
        var expected = Golden.GetProperty(key).EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var actual = new WhisperLogMel(bins).Compute(Signal);

        Assert.Equal(bins, expected.Length);
        var frames = expected[0].Length;
        Assert.Equal(bins * frames, actual.Length);
        var worst = 0f;
        for (var m = 0; m < bins; m++)
        {
            for (var t = 0; t < frames; t++)
            {
                worst = MathF.Max(worst, MathF.Abs(expected[m][t] - actual[m * frames + t]));
            }
        }
        // The features span about 2 units; float32 GEMMs and the golden's 6 decimals leave well under 1e-3.
        Assert.True(worst < 1e-3f, $"largest difference {worst}");
    }

    [Fact]
    public void A_window_is_padded_to_30_seconds_and_3000_frames()
    {
        var mel = new WhisperLogMel().ComputeWindow(Signal);
        Assert.Equal(80 * 3000, mel.Length);
        // The silent padding sits at the floor: (max - 8 + 4) / 4.
        var max = mel.Max();
        Assert.Equal(max - 2f, mel[2999], 4);
    }
}
