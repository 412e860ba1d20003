using BrewClip.Autograd;

namespace BrewClip.Models.Heads;

/// <summary>
/// A folder holding a model version's heads (<c>audio_head.json</c>, <c>audio_head.safetensors</c>,
/// <c>image_head.safetensors</c>), checked as a whole before anything uses it.
/// </summary>
public static class HeadFolder
{
    /// <summary>Every file of a version's heads.</summary>
    public static IReadOnlyList<string> Files { get; } = [AudioHead.ConfigFile, AudioHead.WeightsFile, ImageHead.FileName];

    /// <summary>The files <see cref="AudioHead.Load"/> reads.</summary>
    public static IReadOnlyList<string> AudioFiles { get; } = [AudioHead.ConfigFile, AudioHead.WeightsFile];

    /// <summary>The file <see cref="ImageHead.Load"/> reads.</summary>
    public static IReadOnlyList<string> ImageFiles { get; } = [ImageHead.FileName];

    /// <summary>
    /// Loads both heads and checks they fit each other (one vector width: their version's, the width of the CLIP they were
    /// trained on) and hold only finite weights; throws
    /// <see cref="ModelMissingException"/> or <see cref="InvalidDataException"/> naming what is wrong.
    /// </summary>
    public static AudioHeadConfig Check(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelMissingException($"{folder} is not a folder; a model version's heads are a folder with {AudioHead.ConfigFile}, {AudioHead.WeightsFile} and {ImageHead.FileName}.");
        }
        AudioHead audio;
        ImageHead image;
        try
        {
            audio = AudioHead.Load(folder);
            image = ImageHead.Load(folder);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"The heads in {folder} cannot be read: {e.Message}", e);
        }
        if (image.Size != audio.Config.EmbeddingSize)
        {
            throw new InvalidDataException($"The heads in {folder} do not fit each other: the audio head makes {audio.Config.EmbeddingSize}-d vectors, the image head {image.Size}-d.");
        }
        foreach (var (name, parameter) in audio.NamedParameters())
        {
            if (!AllFinite(parameter.Value))
            {
                throw new InvalidDataException($"The audio head in {folder} has a non-finite value in {name}.");
            }
        }
        if (!image.IsFinite)
        {
            throw new InvalidDataException($"The image head in {folder} has a non-finite value.");
        }
        return audio.Config;
    }

    private static bool AllFinite(Tensor tensor)
    {
        foreach (var value in tensor.ToArray())
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }
        return true;
    }
}
