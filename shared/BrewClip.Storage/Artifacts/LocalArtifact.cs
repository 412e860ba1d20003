namespace BrewClip.Storage.Artifacts;

/// <summary>An artifact as a local file: the stored file itself, or a downloaded copy deleted on dispose.</summary>
public sealed class LocalArtifact(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

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
