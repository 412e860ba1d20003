namespace BrewClip.Storage.Artifacts;

/// <summary>
/// Several artifacts kept together under one folder URI (a model version's heads): written one by one from a local
/// folder, read back as a local folder whose files have their stored names.
/// </summary>
public static class ArtifactFolders
{
    /// <summary>The URI of the file <paramref name="name"/> in the folder <paramref name="folderUri"/>.</summary>
    public static string FileUri(string folderUri, string name) => folderUri.TrimEnd('/') + "/" + name;

    /// <summary>Whether <paramref name="uri"/> names something under the store's folder <paramref name="key"/>.</summary>
    public static bool IsUnder(this IArtifactStore store, string uri, string key)
        => uri.StartsWith(store.UriOf(key).TrimEnd('/') + "/", StringComparison.Ordinal) && !uri.Split('/').Contains("..");

    /// <summary>Writes the named files of <paramref name="localFolder"/> under <paramref name="key"/>; returns the folder's URI.</summary>
    public static async Task<string> WriteFolderAsync(this IArtifactStore store, string key, string localFolder, IReadOnlyList<string> names,
        CancellationToken cancellationToken = default)
    {
        foreach (var name in names)
        {
            var source = Path.Combine(localFolder, name);
            await store.WriteFileAsync($"{key}/{name}", target =>
            {
                File.Copy(source, target, overwrite: true);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        return store.UriOf(key);
    }

    /// <summary>
    /// The named files of the folder <paramref name="folderUri"/> as one local folder: the folder itself when the store
    /// keeps them as local files side by side, else a folder of downloaded copies, deleted with the result.
    /// A missing file throws <see cref="FileNotFoundException"/> naming it.
    /// </summary>
    public static async Task<LocalFolder> FetchFolderAsync(this IArtifactStore store, string folderUri, IReadOnlyList<string> names,
        CancellationToken cancellationToken = default)
    {
        var fetched = new List<LocalArtifact>();
        try
        {
            foreach (var name in names)
            {
                fetched.Add(await store.FetchAsync(FileUri(folderUri, name), cancellationToken).ConfigureAwait(false));
            }
            var folders = fetched.Select(f => Path.GetDirectoryName(f.Path)).Distinct().ToList();
            if (fetched.All(f => !f.IsTemporary) && folders.Count == 1
                && fetched.Select((f, i) => Path.GetFileName(f.Path) == names[i]).All(same => same))
            {
                return new LocalFolder(folders[0]!, temporary: false);
            }
            // Downloads have scratch names: they move into a folder of their own, under their stored names.
            var scratch = fetched.FirstOrDefault(f => f.IsTemporary) is { } download ? Path.GetDirectoryName(download.Path)! : Path.GetTempPath();
            var folder = Directory.CreateDirectory(Path.Combine(scratch, "folder-" + Guid.NewGuid().ToString("N"))).FullName;
            var result = new LocalFolder(folder, temporary: true);
            try
            {
                for (var i = 0; i < names.Count; i++)
                {
                    var target = Path.Combine(folder, names[i]);
                    if (fetched[i].IsTemporary)
                    {
                        File.Move(fetched[i].Path, target);
                    }
                    else
                    {
                        File.Copy(fetched[i].Path, target);
                    }
                }
                return result;
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var artifact in fetched)
            {
                if (artifact.IsTemporary && File.Exists(artifact.Path))
                {
                    artifact.Dispose();
                }
            }
        }
    }
}
