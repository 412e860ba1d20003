namespace BrewClip.Queries;

/// <summary>
/// One hit: the file (the place <paramref name="Source"/>/<paramref name="Key"/> it was seen most recently; null only
/// for rows not written by Ingest), what
/// matched in it (an image, a video frame at <paramref name="Start"/>..<paramref name="End"/>, or an audio moment),
/// and how well. <paramref name="Score"/> orders the results (for images the cosine similarity; for audio the fused
/// rank score); <paramref name="Similarity"/> is the cosine similarity to the query when the vectors met.
/// </summary>
public sealed record SearchHit(
    string Type,
    long MediaId,
    long ItemId,
    string MediaKind,
    string? Source,
    string? Key,
    double? Start,
    double? End,
    double? FrameTime,
    double Score,
    double? Similarity,
    string? Snippet);
