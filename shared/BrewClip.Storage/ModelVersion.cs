namespace BrewClip.Storage;

public sealed record ModelVersion(int Version, string Status, string? ArtifactUri);
