namespace BrewClip.Models.Heads;

/// <summary>
/// The shape of a BrewCLIP audio head, stored beside its weights as <c>audio_head.json</c>.
/// <paramref name="FramePool"/> averages that many consecutive Whisper frames (50 a second) before the
/// acoustic layer: 1 keeps every frame; 4 makes a 5 s clip 63 frames instead of 250.
/// </summary>
public sealed record AudioHeadConfig(int TextWidth, int WhisperWidth, int HeadWidth = 256, int Prompts = 8, int Heads = 8, int EmbeddingSize = 512, int FramePool = 1);
