namespace BrewClip.Media;

/// <summary>A cue of a timed transcript, in seconds from the start of the recording.</summary>
public sealed record TranscriptCue(double Start, double End, string Text);
