using BrewClip.Storage.Artifacts;

namespace BrewClip.Storage;

/// <summary>
/// Large artifacts (PCM, cached features) as files under a root folder, addressed by file:// URIs so
/// any service that mounts the same folder can read them. Writes go to a temporary name first, so a
/// reader never sees half a file.
/// </summary>
public sealed class FileSystemArtifactStore(string root) : IArtifactStore
{
    public const string EnvironmentVariable = "BREWCLIP_ARTIFACTS";

    public string Root { get; } = Path.GetFullPath(root);

    public static FileSystemArtifactStore FromEnvironment(string? configuredRoot = null) => new(
        !string.IsNullOrWhiteSpace(configuredRoot) ? configuredRoot
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Directory.GetCurrentDirectory(), "artifacts"));

    public string UriOf(string key) => ArtifactPaths.ToUri(Path.Combine(Root, ArtifactKeys.Checked(key)));

    /// <summary>Writes an artifact under a relative key (e.g. "recordings/42/window-0.encoder.safetensors"); returns its URI.</summary>
    public Task<string> WriteAsync(string key, Func<Stream, Task> write, CancellationToken cancellationToken = default)
        => WriteFileAsync(key, ArtifactKeys.ToFile(write, cancellationToken), cancellationToken);

    /// <summary>
    /// Writes an artifact through a temporary path (for a tool such as ffmpeg that writes files itself);
    /// the file is moved into place only when <paramref name="write"/> completes, and removed when it throws.
    /// </summary>
    public async Task<string> WriteFileAsync(string key, Func<string, Task> write, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Root, ArtifactKeys.Checked(key));
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
        return UriOf(key);
    }

    /// <summary>The artifact's own file (nothing is copied).</summary>
    public Task<LocalArtifact> FetchAsync(string uri, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(LocalArtifact.OfFile(uri));
        }
        catch (Exception e) when (e is FileNotFoundException or NotSupportedException)
        {
            return Task.FromException<LocalArtifact>(e);
        }
    }

    public Task<bool> ExistsAsync(string uri, CancellationToken cancellationToken = default)
        => Task.FromResult(File.Exists(ArtifactPaths.ToLocalPath(uri)));

    public Task DeleteAsync(string uri, CancellationToken cancellationToken = default)
    {
        var path = ArtifactPaths.ToLocalPath(uri);
        // One already gone is no error, its folder with it (File.Delete alone throws for a missing folder).
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
        }
        return Task.CompletedTask;
    }
}
