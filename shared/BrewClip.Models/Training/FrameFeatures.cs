
namespace BrewClip.Models.Training;

/// <summary>
/// One image of a pair: a still image (no span), or one of a video's frames with the span of the video
/// it stands for.
/// </summary>
public sealed record FrameFeatures(long ImageId, float[] ImageEmbeds, double? SpanStartSeconds = null, double? SpanEndSeconds = null);
