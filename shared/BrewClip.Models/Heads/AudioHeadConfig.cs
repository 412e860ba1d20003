namespace BrewClip.Models.Heads;

/// <summary>The shape of a BrewCLIP audio head, stored beside its weights as <c>audio_head.json</c>.</summary>
public sealed record AudioHeadConfig(int TextWidth, int WhisperWidth, int HeadWidth = 256, int Prompts = 8, int Heads = 8, int EmbeddingSize = 512);
