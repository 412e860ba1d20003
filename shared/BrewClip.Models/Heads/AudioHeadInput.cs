using BrewClip.Autograd;

namespace BrewClip.Models.Heads;

/// <summary>
/// The cached features of one audio segment (or a span of one): CLIP's text token states of its
/// transcript [≥ Length, TextWidth] with the end token at Length - 1, CLIP's projected text embedding
/// [EmbeddingSize], and Whisper's encoder states [frames, WhisperWidth] (50 frames a second).
/// </summary>
public sealed record AudioHeadInput(Tensor TokenStates, int Length, float[] TextEmbeds, Tensor WhisperStates)
{
    /// <summary>The same transcript over frames [start, start + count) of the Whisper states only.</summary>
    public AudioHeadInput WithFrames(int start, int count) => this with { WhisperStates = Ops.Slice(WhisperStates, 0, start, count) };
}

/// <summary>
/// The head's outputs for a batch, each [batch, EmbeddingSize] and unit length: the audio vector
/// (normalize(p + gate · a)), and each channel's unit vector p and a (null when it was not computed).
/// </summary>
public sealed record AudioHeadOutput(Tensor Fused, Tensor? Pipeline, Tensor? Acoustic);

/// <summary>Which channels a forward pass computes: the audio vector needs both; the ablations one each.</summary>
[Flags]
public enum AudioChannels
{
    Pipeline = 1,
    Acoustic = 2,
    Both = Pipeline | Acoustic,
}
