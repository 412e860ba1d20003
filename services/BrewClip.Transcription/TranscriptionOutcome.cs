namespace BrewClip.Transcription;

/// <summary>What happened to a recording: transcribed now or before (then downstream is told), failed, or not in the database.</summary>
internal sealed record TranscriptionOutcome(bool Transcribed, int Segments, string? Language)
{
    public static TranscriptionOutcome NotTranscribed { get; } = new(false, 0, null);
}
