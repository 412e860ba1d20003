using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
using BrewClip.Models.Heads;

namespace BrewClip.Models.Tests;

public sealed class CachedFeaturesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-features-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Encoder_states_are_trimmed_to_their_frames_stored_as_float16_and_read_back()
    {
        // A 30 s window's buffer holds 4 frames of width 3; the audio filled 2 of them.
        var buffer = Enumerable.Range(0, 12).Select(i => i * 0.25f - 1f).ToArray();
        var path = Path.Combine(_folder, "encoder.safetensors");
        using (var file = File.Create(path))
        {
            CachedFeatures.WriteEncoderStates(file, buffer, frames: 2, width: 3);
        }

        var states = CachedFeatures.ReadEncoderStates(path);
        Assert.Equal([2, 3], states.Shape);
        Assert.Equal(buffer[..6], states.ToArray()); // quarters are exact in float16
        var (_, metadata) = SafetensorsFile.Read(path);
        Assert.Equal(CachedFeatures.EncoderStatesFormat, metadata[CachedFeatures.FormatKey]);
        Assert.Equal("50", metadata[CachedFeatures.FramesPerSecondKey]);
        // Half precision on disk: 2 bytes a value.
        Assert.Equal(6 * 2, new FileInfo(path).Length - HeaderLength(path));
    }

    [Fact]
    public void Token_states_keep_their_length_and_a_length_past_the_positions_is_refused()
    {
        var path = Path.Combine(_folder, "tokens.safetensors");
        using (var file = File.Create(path))
        {
            CachedFeatures.WriteTokenStates(file, [1f, 2f, 3f, 4f, 5f, 6f], positions: 3, width: 2, length: 2);
        }
        var (states, length) = CachedFeatures.ReadTokenStates(path);
        Assert.Equal([3, 2], states.Shape);
        Assert.Equal(2, length);

        SafetensorsFile.Write(path, [new(CachedFeatures.TokenStates, Tensor.FromArray([1f, 2f], 1, 2))], SafetensorsDType.F16,
            new Dictionary<string, string> { [CachedFeatures.LengthKey] = "5" });
        var e = Assert.Throws<InvalidDataException>(() => CachedFeatures.ReadTokenStates(path));
        Assert.Contains("'length'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_another_layout_or_version_is_refused_naming_both_and_one_without_a_format_is_read_as_version_1()
    {
        var path = Path.Combine(_folder, "states.safetensors");
        SafetensorsFile.Write(path, [new(CachedFeatures.EncoderStates, Tensor.FromArray([1f, 2f], 1, 2))], SafetensorsDType.F16,
            new Dictionary<string, string> { [CachedFeatures.FormatKey] = "brewclip.encoder_states/2" });
        var e = Assert.Throws<InvalidDataException>(() => CachedFeatures.ReadEncoderStates(path));
        Assert.Contains("'brewclip.encoder_states/2'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{CachedFeatures.EncoderStatesFormat}'", e.Message, StringComparison.Ordinal);

        // Token states where encoder states are expected: refused by their format, not misread.
        using (var file = File.Create(path))
        {
            CachedFeatures.WriteTokenStates(file, [1f, 2f], positions: 1, width: 2, length: 1);
        }
        e = Assert.Throws<InvalidDataException>(() => CachedFeatures.ReadEncoderStates(path));
        Assert.Contains(CachedFeatures.TokenStatesFormat, e.Message, StringComparison.Ordinal);

        // Written before files named their format: the same layout, read as it is.
        SafetensorsFile.Write(path, [new(CachedFeatures.EncoderStates, Tensor.FromArray([1f, 2f], 1, 2))], SafetensorsDType.F16,
            new Dictionary<string, string> { [CachedFeatures.FramesPerSecondKey] = "50" });
        Assert.Equal([1f, 2f], CachedFeatures.ReadEncoderStates(path).ToArray());

        // Another frame rate would put every frame at the wrong moment.
        SafetensorsFile.Write(path, [new(CachedFeatures.EncoderStates, Tensor.FromArray([1f, 2f], 1, 2))], SafetensorsDType.F16,
            new Dictionary<string, string> { [CachedFeatures.FramesPerSecondKey] = "100" });
        e = Assert.Throws<InvalidDataException>(() => CachedFeatures.ReadEncoderStates(path));
        Assert.Contains("100 frames a second", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_folder, "gone.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => CachedFeatures.ReadEncoderStates(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private static long HeaderLength(string path)
    {
        using var file = File.OpenRead(path);
        var length = new byte[8];
        file.ReadExactly(length);
        return 8 + BitConverter.ToInt64(length);
    }
}
