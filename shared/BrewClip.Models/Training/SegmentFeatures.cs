
namespace BrewClip.Models.Training;

/// <summary>
/// One cached 30-second window of a recording: where its two feature files are, CLIP's pooled text
/// embedding of its transcript, and the time it covers in the recording.
/// </summary>
public sealed record SegmentFeatures(int Index, double StartSeconds, double EndSeconds, float[] TextEmbeds, string TokenStatesPath, string EncoderStatesPath);
