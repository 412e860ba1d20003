namespace BrewClip.Models.Whisper;

/// <summary>A timed piece of transcript, in seconds from the start of the recording.</summary>
public sealed record WhisperSegment(double Start, double End, string Text);
