
namespace BrewClip.Models.Training;

/// <summary>
/// A recording and the image it is paired with: a still image, or a video's frames in time order (one
/// group, so the frames of one video are never each other's negatives). <paramref name="ImageKey"/>
/// names the image side (its media) so two groups that share it are not each other's negatives either.
/// </summary>
public sealed record PairGroup(long RecordingId, long ImageKey, IReadOnlyList<SegmentFeatures> Segments, IReadOnlyList<FrameFeatures> Frames)
{
    public bool IsVideo => Frames.Count > 1 || Frames.Any(f => f.SpanStartSeconds is not null);
}
