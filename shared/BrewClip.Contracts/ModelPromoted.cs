namespace BrewClip.Contracts;

/// <summary>A candidate beat the active version: the embedding services re-embed every item with it from cached features.</summary>
public sealed record ModelPromoted(int ModelVersion, int PreviousVersion, string ArtifactUri);
