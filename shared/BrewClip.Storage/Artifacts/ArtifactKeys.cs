namespace BrewClip.Storage.Artifacts;

internal static class ArtifactKeys
{
    /// <summary>A stream writer as a file writer: <paramref name="write"/> fills a new file at the path it is given.</summary>
    public static Func<string, Task> ToFile(Func<Stream, Task> write, CancellationToken cancellationToken) => async path =>
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await write(stream).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    };

    /// <summary>Refuses a key that is not a relative path inside the store.</summary>
    public static string Checked(string key)
        => string.IsNullOrWhiteSpace(key) || Path.IsPathRooted(key) || key.Split('/', '\\').Contains("..")
            ? throw new ArgumentException($"Artifact key '{key}' must be a relative path inside the store.", nameof(key))
            : key.Replace('\\', '/');
}
