using System.Collections.Concurrent;
using BrewClip.Storage.Artifacts;

namespace BrewClip.Storage.ModelVersions;

/// <summary>
/// The heads of each trained model version, fetched from the artifact store that holds them (any machine reads them
/// there; no model folder is shared) and loaded once per process. Version 0, the zero-shot model, has none (null).
/// A fetch or load that fails is not remembered: the next call tries again.
/// </summary>
/// <param name="files">The files of the version's folder that <paramref name="load"/> reads.</param>
/// <param name="load">Loads the heads from a local folder holding <paramref name="files"/>.</param>
public sealed class VersionHeads<T>(IArtifactStore artifacts, IReadOnlyList<string> files, Func<string, T> load) where T : class
{
    private readonly ConcurrentDictionary<int, Lazy<Task<T>>> _heads = new();

    public async Task<T?> GetAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        if (version.ArtifactUri is not { } uri)
        {
            return null;
        }
        var loading = _heads.GetOrAdd(version.Version, _ => new Lazy<Task<T>>(() => LoadAsync(uri)));
        try
        {
            return await loading.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (loading.Value.IsFaulted)
        {
            _heads.TryRemove(KeyValuePair.Create(version.Version, loading));
            throw;
        }
    }

    private async Task<T> LoadAsync(string folderUri)
    {
        // Shared by every caller waiting for this version, so no one caller's cancellation stops it.
        using var folder = await artifacts.FetchFolderAsync(folderUri, files, CancellationToken.None).ConfigureAwait(false);
        return load(folder.Path);
    }
}
