namespace BrewClip.Storage.Artifacts;

/// <summary>An artifact as a local file: the stored file itself, or a downloaded copy deleted on dispose.</summary>
public sealed class LocalArtifact(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>A file:// artifact (or an absolute path) as its own file; throws <see cref="FileNotFoundException"/> naming it when it is gone.</summary>
    public static LocalArtifact OfFile(string uri)
    {
        var path = ArtifactPaths.ToLocalPath(uri);
        return File.Exists(path) ? new LocalArtifact(path, temporary: false) : throw new FileNotFoundException($"The artifact {uri} is not in the store.", path);
    }

    /// <summary>Whether the file is a copy made for this read (and deleted with it).</summary>
    public bool IsTemporary { get; } = temporary;

    public void Dispose()
    {
        if (IsTemporary)
        {
            File.Delete(Path);
        }
    }
}
