using System.Globalization;
using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Models.Heads;

/// <summary>
/// The cached-feature files the heads read, as float16 safetensors: a segment's Whisper encoder states
/// (<c>encoder_states</c> [frames, width], 50 frames a second, trimmed to the audio) written by
/// Transcription, and CLIP's token states of its transcript (<c>token_states</c> [77, width], metadata
/// <c>length</c> = tokens up to and including the end token) written by AcousticEmbedding.
/// </summary>
/// <remarks>
/// Each file names its layout in the metadata key <c>format</c> (<see cref="EncoderStatesFormat"/>,
/// <see cref="TokenStatesFormat"/>): a reader refuses a file of another layout or of a newer version, naming both,
/// and takes a file without the key (written before it existed) as version 1, the same layout.
/// </remarks>
public static class CachedFeatures
{
    public const string EncoderStates = "encoder_states";
    public const string TokenStates = "token_states";
    public const string LengthKey = "length";
    public const string FramesPerSecondKey = "frames_per_second";
    public const string FormatKey = "format";
    public const string EncoderStatesFormat = "brewclip.encoder_states/1";
    public const string TokenStatesFormat = "brewclip.token_states/1";

    /// <summary>Whisper's encoder emits 50 frames per second of audio (1500 per 30 s window).</summary>
    public const int WhisperFramesPerSecond = 50;

    public static void WriteEncoderStates(Stream stream, float[] states, int frames, int width)
        => SafetensorsFile.Write(stream, [new(EncoderStates, Tensor.FromArray(states[..(frames * width)], frames, width))], SafetensorsDType.F16,
            new Dictionary<string, string> { [FormatKey] = EncoderStatesFormat, [FramesPerSecondKey] = WhisperFramesPerSecond.ToString(CultureInfo.InvariantCulture) });

    public static void WriteTokenStates(Stream stream, float[] states, int positions, int width, int length)
        => SafetensorsFile.Write(stream, [new(TokenStates, Tensor.FromArray(states, positions, width))], SafetensorsDType.F16,
            new Dictionary<string, string> { [FormatKey] = TokenStatesFormat, [LengthKey] = length.ToString(CultureInfo.InvariantCulture) });

    public static Tensor ReadEncoderStates(string path)
    {
        var (tensors, metadata) = Read(path);
        CheckFormat(path, metadata, EncoderStatesFormat);
        if (metadata.TryGetValue(FramesPerSecondKey, out var rate) && rate != WhisperFramesPerSecond.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"{path} holds encoder states at {rate} frames a second; the heads read {WhisperFramesPerSecond}.");
        }
        return tensors.TryGetValue(EncoderStates, out var states) && states.Rank == 2
            ? states
            : throw new InvalidDataException($"{path} holds no {EncoderStates} [frames, width] tensor.");
    }

    public static (Tensor States, int Length) ReadTokenStates(string path)
    {
        var (tensors, metadata) = Read(path);
        CheckFormat(path, metadata, TokenStatesFormat);
        if (!tensors.TryGetValue(TokenStates, out var states) || states.Rank != 2)
        {
            throw new InvalidDataException($"{path} holds no {TokenStates} [positions, width] tensor.");
        }
        if (!metadata.TryGetValue(LengthKey, out var text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length < 1 || length > states.Shape[0])
        {
            throw new InvalidDataException($"{path} lacks a valid '{LengthKey}' (tokens up to the end token) in its metadata.");
        }
        return (states, length);
    }

    /// <summary>A segment's inputs to the audio head, from its two cached files and its pooled text embedding.</summary>
    public static AudioHeadInput ReadSegment(string tokenStatesPath, string encoderStatesPath, float[] textEmbeds)
    {
        var (tokens, length) = ReadTokenStates(tokenStatesPath);
        return new AudioHeadInput(tokens, length, textEmbeds, ReadEncoderStates(encoderStatesPath));
    }

    /// <summary>A file without a format is version 1 of the expected layout; any other layout or version is refused, naming both.</summary>
    private static void CheckFormat(string path, Dictionary<string, string> metadata, string expected)
    {
        if (metadata.TryGetValue(FormatKey, out var format) && format != expected)
        {
            throw new InvalidDataException($"{path} is '{format}'; this version of BrewClip reads '{expected}'.");
        }
    }

    private static (Dictionary<string, Tensor>, Dictionary<string, string>) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The cached features {path} are missing.", path);
        }
        return SafetensorsFile.Read(path);
    }
}
