namespace BrewClip.Models.Clip;

/// <summary>What the text tower gives for a batch: pooled embeddings, token states [count, 77, width], and each sequence's real length.</summary>
public sealed record ClipTextFeatures(ClipEmbeddings Embeddings, float[] TokenStates, int[] Lengths, int Width);
