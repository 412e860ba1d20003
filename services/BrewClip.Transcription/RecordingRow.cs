namespace BrewClip.Transcription;

internal sealed record RecordingRow(long Id, string PcmUri, double DurationSeconds, string Stage);
