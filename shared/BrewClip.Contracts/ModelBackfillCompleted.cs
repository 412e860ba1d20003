namespace BrewClip.Contracts;

/// <summary>An embedding service finished re-embedding its items (<paramref name="Kind"/>: audio or image) with a model version.</summary>
public sealed record ModelBackfillCompleted(int ModelVersion, string Kind, long Items);
