namespace BrewClip.Contracts;

/// <summary>An embedding service could not re-embed its items (<paramref name="Kind"/>: audio or image) with a model version; Training rejects the version.</summary>
public sealed record ModelBackfillFailed(int ModelVersion, string Kind, string Reason);
