namespace BrewClip.Transcription;

/// <summary>
/// A ground-truth transcript Ingest stored with the recording, with its timed segments when it had them (.srt, .vtt);
/// <paramref name="CuesJson"/> is the segments as stored, null for a transcript made here.
/// </summary>
internal sealed record SidecarTranscript(string Text, IReadOnlyList<TimedText> Segments, string? CuesJson = null);
