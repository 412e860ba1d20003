namespace BrewClip.Storage.Artifacts;

/// <summary>
/// Where services keep large artifacts (PCM, images, crops, cached features), addressed by URI: file:// for the
/// filesystem store, s3://bucket/key for the S3 store. Writes are whole or nothing (a reader never sees half an
/// artifact); reads go through a local file, the artifact itself or a streamed download that is deleted with it.
/// </summary>
public interface IArtifactStore
{
    /// <summary>The URI an artifact written under <paramref name="key"/> has (or would have).</summary>
    string UriOf(string key);

    /// <summary>Writes an artifact under a relative key ("recordings/42/window-0.encoder.safetensors"); returns its URI.</summary>
    Task<string> WriteAsync(string key, Func<Stream, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Writes an artifact through a temporary file (for a tool such as ffmpeg that writes files itself); returns its URI.</summary>
    Task<string> WriteFileAsync(string key, Func<string, Task> write, CancellationToken cancellationToken = default);

    /// <summary>The artifact as a local file, for as long as the result is not disposed.</summary>
    Task<LocalArtifact> FetchAsync(string uri, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string uri, CancellationToken cancellationToken = default);

    /// <summary>Deletes the artifact; one already gone is no error.</summary>
    Task DeleteAsync(string uri, CancellationToken cancellationToken = default);
}
