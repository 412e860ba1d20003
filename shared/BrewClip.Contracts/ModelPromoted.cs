namespace BrewClip.Contracts;

/// <summary>
/// Event (a notification): a candidate beat the active version and is promoting. Each embedding service's backfill
/// worker wakes and reads the version (its heads, what is left to re-embed) from brewclip.model_versions.
/// </summary>
public sealed record ModelPromoted(int ModelVersion);
