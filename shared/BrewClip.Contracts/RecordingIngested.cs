namespace BrewClip.Contracts;

/// <summary>Ingest decoded an audio file or a video's audio track to 16 kHz mono PCM at <paramref name="PcmUri"/>.</summary>
/// <param name="HasSidecarTranscript">A ground-truth transcript is already in <c>brewclip.transcripts</c>; Whisper skips decoding.</param>
public sealed record RecordingIngested(long RecordingId, long MediaId, string PcmUri, double DurationSeconds, bool HasSidecarTranscript);
