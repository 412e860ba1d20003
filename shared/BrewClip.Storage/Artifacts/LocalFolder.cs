namespace BrewClip.Storage.Artifacts;

/// <summary>A folder of artifacts as local files: the stored folder itself, or downloaded copies deleted on dispose.</summary>
public sealed class LocalFolder(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>Whether the folder was made for this read (and is deleted with it).</summary>
    public bool IsTemporary { get; } = temporary;

    public void Dispose()
    {
        if (IsTemporary && Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
