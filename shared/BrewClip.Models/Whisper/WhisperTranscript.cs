namespace BrewClip.Models.Whisper;

/// <summary>What one 30 s window decoded to: the generated tokens (prompt excluded), their text, and the language.</summary>
public sealed record WhisperTranscript(IReadOnlyList<int> Tokens, string Text, string? Language);
