namespace BrewClip.Transcription;

/// <summary>One 30-second window: its span, text, and cached encoder states.</summary>
internal sealed record TranscribedWindow(int Index, double Start, double End, string Text, string EncoderStatesUri, int Frames, int Width);
