namespace BrewClip.Storage;

/// <summary>
/// Large artifacts (PCM, cached features) as files under a root folder, addressed by file:// URIs so
/// any service that mounts the same folder can read them. Writes go to a temporary name first, so a
/// reader never sees half a file.
/// </summary>
public sealed class FileSystemArtifactStore(string root)
{
    public const string EnvironmentVariable = "BREWCLIP_ARTIFACTS";

    public string Root { get; } = Path.GetFullPath(root);

    public static FileSystemArtifactStore FromEnvironment(string? configuredRoot = null) => new(
        !string.IsNullOrWhiteSpace(configuredRoot) ? configuredRoot
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Directory.GetCurrentDirectory(), "artifacts"));

    /// <summary>Writes an artifact under a relative key (e.g. "recordings/42/window-0.encoder.safetensors"); returns its URI.</summary>
    public Task<string> WriteAsync(string key, Func<Stream, Task> write, CancellationToken cancellationToken = default)
        => WriteFileAsync(key, async temporary =>
        {
            await using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await write(stream).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Writes an artifact through a temporary path (for a tool such as ffmpeg that writes files itself);
    /// the file is moved into place only when <paramref name="write"/> completes, and removed when it throws.
    /// </summary>
    public async Task<string> WriteFileAsync(string key, Func<string, Task> write)
    {
        if (Path.IsPathRooted(key) || key.Split('/', '\\').Contains(".."))
        {
            throw new ArgumentException($"Artifact key '{key}' must be a relative path inside the store.", nameof(key));
        }
        var path = Path.Combine(Root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8] + Path.GetExtension(path);
        try
        {
            await write(temporary).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return ArtifactPaths.ToUri(path);
    }
}
