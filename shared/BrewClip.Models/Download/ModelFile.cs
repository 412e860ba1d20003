namespace BrewClip.Models.Download;

/// <summary>One published file of a model: where it is under the base URL, its name in the store, and its pinned SHA-256 and size (0 when the size is not pinned).</summary>
public sealed record ModelFile(string RemotePath, string LocalName, long Size, string? Sha256);
