namespace BrewClip.Contracts;

/// <summary>
/// Event (a notification): Ingest stored a recording (an audio file or a video's audio track, decoded to 16 kHz
/// mono PCM). Transcription reads its row, the PCM's place and any sidecar transcript from Postgres.
/// </summary>
public sealed record RecordingIngested(long RecordingId);
