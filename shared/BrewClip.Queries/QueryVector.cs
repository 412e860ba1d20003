namespace BrewClip.Queries;

/// <summary>
/// A query turned into a unit vector in the index's space by <paramref name="ModelVersion"/>; for an audio clip, what
/// Whisper heard (<paramref name="Transcript"/>), which the audio search also matches against transcripts.
/// </summary>
public sealed record QueryVector(float[] Vector, int ModelVersion, string? Transcript = null);
