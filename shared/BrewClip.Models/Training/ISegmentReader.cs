using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>Reads a segment's cached features (the Training service reads the artifact store's files).</summary>
public interface ISegmentReader
{
    AudioHeadInput Read(SegmentFeatures segment);
}
