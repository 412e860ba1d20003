namespace BrewClip.Ingest;

/// <summary>Where an object was seen: its source, key within the source, and a version tag (size and mtime, or an ETag).</summary>
public sealed record ObjectRef(string Source, string Key, string? Etag, long SizeBytes);
