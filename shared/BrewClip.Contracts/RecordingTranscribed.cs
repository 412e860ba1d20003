namespace BrewClip.Contracts;

/// <summary>Transcription stored the transcript and, per 30-second segment, the cached Whisper encoder states.</summary>
public sealed record RecordingTranscribed(long RecordingId, int SegmentCount, string? Language);
