namespace BrewClip.AcousticEmbedding;

/// <summary>A segment with the CLIP text features of its current text, when cached, and the CLIP that made them.</summary>
internal sealed record SegmentRow(long RecordingId, int Index, string Text, float[]? TextEmbeds, string? TextStatesUri, string? EncoderStatesUri,
    string? FeaturesClip = null);
