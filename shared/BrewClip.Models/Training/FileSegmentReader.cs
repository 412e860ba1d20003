using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>Reads the cached feature files from local paths.</summary>
public sealed class FileSegmentReader : ISegmentReader
{
    public static readonly FileSegmentReader Instance = new();

    public AudioHeadInput Read(SegmentFeatures segment)
        => CachedFeatures.ReadSegment(segment.TokenStatesPath, segment.EncoderStatesPath, segment.TextEmbeds);
}
