using FFMpegCore;

namespace BrewClip.Media;

/// <summary>Where ffmpeg and ffprobe are, and how long one run may take.</summary>
public sealed record MediaToolOptions
{
    /// <summary>The folder holding <c>ffmpeg</c> and <c>ffprobe</c>; empty finds them on PATH.</summary>
    public string BinaryFolder { get; init; } = "";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>FFMpegCore's options for a tool, after checking that a configured folder really has it.</summary>
    internal FFOptions For(string tool)
    {
        if (BinaryFolder.Length > 0 && !File.Exists(Path.Combine(BinaryFolder, tool)))
        {
            throw new MediaException($"{Path.Combine(BinaryFolder, tool)} does not exist; point the media tools' folder at one with ffmpeg and ffprobe, or leave it empty to use PATH.");
        }
        return new FFOptions { BinaryFolder = BinaryFolder };
    }

    internal string Describe(string tool) => BinaryFolder.Length > 0 ? Path.Combine(BinaryFolder, tool) : $"{tool} (on PATH)";
}
