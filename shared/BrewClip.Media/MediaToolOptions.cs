namespace BrewClip.Media;

/// <summary>Where ffmpeg and ffprobe are (names on PATH by default) and how long one call may take.</summary>
public sealed record MediaToolOptions
{
    public string FfmpegPath { get; init; } = "ffmpeg";

    public string FfprobePath { get; init; } = "ffprobe";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
}
