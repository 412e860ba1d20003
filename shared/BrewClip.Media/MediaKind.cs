using FFMpegCore.Exceptions;

namespace BrewClip.Media;

/// <summary>What a file holds, judged from its content by ffprobe.</summary>
public enum MediaKind
{
    Audio,
    Image,
    Video,
}
