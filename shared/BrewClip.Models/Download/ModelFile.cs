namespace BrewClip.Models.Download;

/// <summary>One published file of a model: where it is under the base URL, its name in the store, and its pinned size and SHA-256.</summary>
public sealed record ModelFile(string RemotePath, string LocalName, long Size, string? Sha256);
