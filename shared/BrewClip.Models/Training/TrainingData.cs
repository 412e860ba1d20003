using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>
/// One cached 30-second window of a recording: where its two feature files are, CLIP's pooled text
/// embedding of its transcript, and the time it covers in the recording.
/// </summary>
public sealed record SegmentFeatures(int Index, double StartSeconds, double EndSeconds, float[] TextEmbeds, string TokenStatesPath, string EncoderStatesPath);

/// <summary>
/// One image of a pair: a still image (no span), or one of a video's frames with the span of the video
/// it stands for.
/// </summary>
public sealed record FrameFeatures(long ImageId, float[] ImageEmbeds, double? SpanStartSeconds = null, double? SpanEndSeconds = null);

/// <summary>
/// A recording and the image it is paired with: a still image, or a video's frames in time order (one
/// group, so the frames of one video are never each other's negatives). <paramref name="ImageKey"/>
/// names the image side (its media) so two groups that share it are not each other's negatives either.
/// </summary>
public sealed record PairGroup(long RecordingId, long ImageKey, IReadOnlyList<SegmentFeatures> Segments, IReadOnlyList<FrameFeatures> Frames)
{
    public bool IsVideo => Frames.Count > 1 || Frames.Any(f => f.SpanStartSeconds is not null);
}

/// <summary>Reads a segment's cached features (the Training service reads the artifact store's files).</summary>
public interface ISegmentReader
{
    AudioHeadInput Read(SegmentFeatures segment);
}

/// <summary>Reads the cached feature files from local paths.</summary>
public sealed class FileSegmentReader : ISegmentReader
{
    public static readonly FileSegmentReader Instance = new();

    public AudioHeadInput Read(SegmentFeatures segment)
        => CachedFeatures.ReadSegment(segment.TokenStatesPath, segment.EncoderStatesPath, segment.TextEmbeds);
}
