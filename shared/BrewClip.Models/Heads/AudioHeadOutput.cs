using BrewClip.Autograd;

namespace BrewClip.Models.Heads;

/// <summary>
/// The head's outputs for a batch, each [batch, EmbeddingSize] and unit length: the audio vector
/// (normalize(p + gate · a)), and each channel's unit vector p and a (null when it was not computed).
/// </summary>
public sealed record AudioHeadOutput(Tensor Fused, Tensor? Pipeline, Tensor? Acoustic);
