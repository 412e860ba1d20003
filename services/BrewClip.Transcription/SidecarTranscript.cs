namespace BrewClip.Transcription;

/// <summary>A ground-truth transcript Ingest stored with the recording, with its timed segments when it had them (.srt, .vtt).</summary>
internal sealed record SidecarTranscript(string Text, IReadOnlyList<TimedText> Segments);
