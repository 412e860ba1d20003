namespace BrewClip.Transcription;

internal sealed record TimedText(double Start, double End, string Text);
