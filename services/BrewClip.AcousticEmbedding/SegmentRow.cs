namespace BrewClip.AcousticEmbedding;

internal sealed record SegmentRow(int Index, string Text, float[]? TextEmbeds);
