namespace BrewClip.AcousticEmbedding;

internal sealed record SegmentRow(long RecordingId, int Index, string Text, float[]? TextEmbeds, string? TextStatesUri, string? EncoderStatesUri);
