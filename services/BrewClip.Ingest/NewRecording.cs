namespace BrewClip.Ingest;

/// <summary>A recording decoded from an audio file or a video's audio track.</summary>
public sealed record NewRecording(string PcmUri, double DurationSeconds);
