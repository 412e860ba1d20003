namespace BrewClip.Storage.ModelVersions;

/// <summary>A model version as the embedding services need it: its heads are in <paramref name="ArtifactUri"/> (null for version 0, the zero-shot model).</summary>
public sealed record ModelVersion(int Version, ModelVersionStatus Status, string? ArtifactUri);
