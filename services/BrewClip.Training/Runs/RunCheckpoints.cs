using System.Globalization;
using System.Text.Json;
using BrewClip.Models;
using BrewClip.Models.Training;
using BrewClip.Storage.Artifacts;

namespace BrewClip.Training.Runs;

/// <summary>
/// Where a run's checkpoint lives: a local folder (<c>Models:Root/brewclip/runs/&lt;run&gt;/checkpoint</c>, written after
/// every epoch) and its copy in the artifact store (<c>training/runs/&lt;run&gt;/epoch-&lt;n&gt;/</c>, named by
/// <c>latest.json</c>, which is written only once the copy is whole), so a Training replica on another machine
/// resumes a run whose replica died instead of starting it over.
/// </summary>
internal sealed class RunCheckpoints(ModelStore store, IArtifactStore artifacts, ILogger<RunCheckpoints> logger)
{
    private sealed record Latest(int Epochs, string Uri);

    /// <summary>The run's local checkpoint folder.</summary>
    public string LocalFolder(long run) => Path.Combine(RunFolder(run), "checkpoint");

    /// <summary>
    /// Copies the checkpoint of <paramref name="epochs"/> epochs to the artifact store, then names it the latest and
    /// deletes the copy before it. A failed copy is logged and training goes on (the local checkpoint is whole).
    /// </summary>
    public async Task UploadAsync(long run, int epochs, CancellationToken cancellationToken)
    {
        try
        {
            var uri = await artifacts.WriteFolderAsync(EpochKey(run, epochs), LocalFolder(run), TrainingCheckpoint.Files, cancellationToken).ConfigureAwait(false);
            await artifacts.WriteAsync(LatestKey(run), stream => JsonSerializer.SerializeAsync(stream, new Latest(epochs, uri), cancellationToken: cancellationToken),
                cancellationToken).ConfigureAwait(false);
            // The copy before, and the one before that: a replica killed between naming its copy the latest and deleting
            // the one before left that one behind, and the replica that resumed from its latest removes it here.
            for (var before = epochs - 1; before >= Math.Max(1, epochs - 2); before--)
            {
                await DeleteCopyAsync(artifacts.UriOf(EpochKey(run, before)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Training run {Run}: the checkpoint of epoch {Epoch} was not copied to the artifact store ({Reason}); " +
                "only this machine can resume from it", run, epochs, e.Message);
        }
    }

    /// <summary>
    /// Brings the artifact store's checkpoint of the run into its local folder when it is further on than the local one
    /// (none here: the run was started by a replica on another machine). Returns the epochs it holds, or 0.
    /// </summary>
    public async Task<int> RestoreAsync(long run, CancellationToken cancellationToken)
    {
        var local = LocalFolder(run);
        var latest = await LatestAsync(run, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Epochs <= TrainingCheckpoint.EpochsIn(local))
        {
            return 0;
        }
        using var fetched = await artifacts.FetchFolderAsync(latest.Uri, TrainingCheckpoint.Files, cancellationToken).ConfigureAwait(false);
        TrainingCheckpoint.Delete(local);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        var staging = local + ".new";
        Directory.CreateDirectory(staging);
        foreach (var file in TrainingCheckpoint.Files)
        {
            File.Copy(Path.Combine(fetched.Path, file), Path.Combine(staging, file));
        }
        Directory.Move(staging, local);
        logger.LogInformation("Training run {Run}: its checkpoint of epoch {Epoch} was fetched from {Uri}", run, latest.Epochs, latest.Uri);
        return latest.Epochs;
    }

    /// <summary>Removes an ended run's checkpoint, here and in the artifact store.</summary>
    public async Task DeleteAsync(long run, CancellationToken cancellationToken)
    {
        TrainingCheckpoint.Delete(RunFolder(run));
        try
        {
            if (await LatestAsync(run, cancellationToken).ConfigureAwait(false) is { } latest)
            {
                await DeleteCopyAsync(latest.Uri, cancellationToken).ConfigureAwait(false);
                if (latest.Epochs > 1)
                {
                    // Left behind when the replica that copied the latest was killed before deleting it, and no epoch came after.
                    await DeleteCopyAsync(artifacts.UriOf(EpochKey(run, latest.Epochs - 1)), cancellationToken).ConfigureAwait(false);
                }
                await artifacts.DeleteAsync(artifacts.UriOf(LatestKey(run)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Training run {Run}: its checkpoint in the artifact store was not deleted ({Reason})", run, e.Message);
        }
    }

    /// <summary>
    /// Removes this machine's checkpoints of runs that ended while it was away (a replica elsewhere finished them):
    /// nothing else would.
    /// </summary>
    public async Task RemoveEndedAsync(TrainingRunStore runs, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(store.VersionsFolder, "runs");
        var local = Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder)
                .Select(path => long.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0)
                .Where(id => id > 0).ToList()
            : [];
        if (local.Count == 0)
        {
            return;
        }
        foreach (var run in await runs.NotActiveAsync(local, cancellationToken).ConfigureAwait(false))
        {
            TrainingCheckpoint.Delete(RunFolder(run));
            logger.LogInformation("Training run {Run} ended elsewhere; its checkpoint on this machine was removed", run);
        }
    }

    private async Task<Latest?> LatestAsync(long run, CancellationToken cancellationToken)
    {
        var uri = artifacts.UriOf(LatestKey(run));
        if (!await artifacts.ExistsAsync(uri, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        using var file = await artifacts.FetchAsync(uri, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize<Latest>(await File.ReadAllTextAsync(file.Path, cancellationToken).ConfigureAwait(false))
            ?? throw new InvalidDataException($"{uri} does not name a checkpoint.");
    }

    /// <summary>Deletes a checkpoint copy's files (a copy may be partial, or already gone: deleting what is gone is no error).</summary>
    private async Task DeleteCopyAsync(string folderUri, CancellationToken cancellationToken)
    {
        foreach (var file in TrainingCheckpoint.Files)
        {
            await artifacts.DeleteAsync(ArtifactFolders.FileUri(folderUri, file), cancellationToken).ConfigureAwait(false);
        }
    }

    private string RunFolder(long run) => Path.Combine(store.VersionsFolder, "runs", Id(run));

    private static string EpochKey(long run, int epochs) => $"training/runs/{Id(run)}/epoch-{epochs.ToString(CultureInfo.InvariantCulture)}";

    private static string LatestKey(long run) => $"training/runs/{Id(run)}/latest.json";

    private static string Id(long run) => run.ToString(CultureInfo.InvariantCulture);
}
