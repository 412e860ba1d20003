using BrewClip.Autograd;

namespace BrewClip.Models.Heads;

/// <summary>
/// The cached features of one audio segment (or a span of one): CLIP's text token states of its
/// transcript [≥ Length, TextWidth] with the end token at Length - 1, CLIP's projected text embedding
/// [EmbeddingSize], and Whisper's encoder states [frames, WhisperWidth] (50 frames a second).
/// </summary>
public sealed record AudioHeadInput(Tensor TokenStates, int Length, float[] TextEmbeds, Tensor WhisperStates);
