namespace BrewClip.Contracts;

/// <summary>
/// Event (a notification): Transcription stored the transcript and, per 30-second segment, the cached Whisper
/// encoder states. AcousticEmbedding reads the segments from Postgres.
/// </summary>
public sealed record RecordingTranscribed(long RecordingId);
