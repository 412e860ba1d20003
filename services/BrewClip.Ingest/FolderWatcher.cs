using BrewClip.Hosting;
using BrewClip.Ingest.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Ingest;

/// <summary>
/// Watches the configured folders: change notifications prompt a scan, and a periodic full rescan
/// catches whatever the notifications missed. A file is read once it is complete — its size and
/// modification time unchanged for <see cref="IngestOptions.StableForMs"/> — and read again only
/// when it changes. Symbolic links that lead outside the watched folder are not followed. Of several instances
/// watching a folder, one reads it at a time (<see cref="SourceLeases"/>).
/// </summary>
public sealed class FolderWatcher(
    SourceStore sources,
    SkippedStore skippedFiles,
    PairStore pairs,
    MediaIngestor ingestor,
    SourceLeases leases,
    IOptions<IngestOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<FolderWatcher> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Messages are published from the start, so wait for the host (and its bus) to be up.
        await WaitForStartAsync(stoppingToken).ConfigureAwait(false);
        if (_options.Folders.Count == 0 && _options.Buckets.Count == 0)
        {
            logger.LogWarning("Nothing to watch: set Ingest:Folders:0:Name and :Path, or Ingest:Buckets:0:Name, :Bucket and :ServiceUrl (BREWCLIP__Ingest__Folders__0__Name, ...)");
            return;
        }
        await Task.WhenAll(_options.Folders.Select(folder => leases.ReadWhileHeldAsync(folder.Name, token => WatchAsync(folder, token), stoppingToken)))
            .ConfigureAwait(false);
    }

    private async Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
    }

    private async Task WatchAsync(FolderSourceOptions folder, CancellationToken stoppingToken)
    {
        var root = RealPath(Path.GetFullPath(folder.Path));
        await sources.EnsureSourceAsync(folder.Name, "folder", root, stoppingToken).ConfigureAwait(false);
        var seen = await sources.SeenAsync(folder.Name, stoppingToken).ConfigureAwait(false);
        logger.LogInformation("Watching {Root} as source {Source} ({Known} files already read)", root, folder.Name, seen.Count);

        using var changed = new SemaphoreSlim(0, 1);
        void Signal()
        {
            try
            {
                changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // A scan is already due.
            }
        }
        using var watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
        };
        watcher.Created += (_, _) => Signal();
        watcher.Changed += (_, _) => Signal();
        watcher.Renamed += (_, _) => Signal();
        watcher.Error += (_, e) =>
        {
            logger.LogWarning(e.GetException(), "Change notifications for {Root} failed; the periodic rescan still finds new files", root);
            Signal();
        };
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "No change notifications for {Root}; new files are found by the rescan every {Interval} ms", root, _options.RescanIntervalMs);
        }

        var pending = new Dictionary<string, Pending>(StringComparer.Ordinal);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        var skippedBefore = new Dictionary<string, string>(StringComparer.Ordinal);
        var stableFor = TimeSpan.FromMilliseconds(_options.StableForMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            var ready = Scan(root, seen, pending, stableFor, skipped);
            if (!DictionariesEqual(skipped, skippedBefore) && await RecordSkippedAsync(folder.Name, skipped, stoppingToken).ConfigureAwait(false))
            {
                skippedBefore = new Dictionary<string, string>(skipped, StringComparer.Ordinal);
            }
            if (ready.Count > 0)
            {
                await Parallel.ForEachAsync(ready, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = stoppingToken },
                    async (file, token) =>
                    {
                        try
                        {
                            if (ObjectNames.IsPairList(file.Key))
                            {
                                await ReadPairListAsync(folder.Name, file, token).ConfigureAwait(false);
                                lock (seen)
                                {
                                    seen[file.Key] = file.Etag;
                                }
                                return;
                            }
                            var seenAs = new ObjectRef(folder.Name, file.Key, file.Etag, file.Length);
                            if (ObjectNames.IsSidecar(file.Key))
                            {
                                await ingestor.ApplySidecarFileAsync(seenAs, file.Path, token).ConfigureAwait(false);
                            }
                            else
                            {
                                await ingestor.IngestFileAsync(seenAs, file.Path, token).ConfigureAwait(false);
                            }
                            lock (seen)
                            {
                                seen[file.Key] = file.Etag;
                            }
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            // Moved, deleted or locked while being read: the next scan looks again.
                            logger.LogWarning("{Source}:{Key} could not be read ({Reason}); it is retried on the next scan", folder.Name, file.Key, e.Message);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            // Postgres or the broker away: nothing was recorded as seen, so the next scan tries again.
                            logger.LogError(e, "{Source}:{Key} was not ingested; it is retried on the next scan", folder.Name, file.Key);
                        }
                    }).ConfigureAwait(false);
                continue;
            }
            if (pending.Count == 0)
            {
                await MarkCaughtUpAsync(folder.Name, started, stoppingToken).ConfigureAwait(false);
            }
            var wait = pending.Count > 0 ? TimeSpan.FromMilliseconds(Math.Clamp(_options.StableForMs / 2, 100, _options.RescanIntervalMs)) : TimeSpan.FromMilliseconds(_options.RescanIntervalMs);
            if (await changed.WaitAsync(wait, stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(100, stoppingToken).ConfigureAwait(false); // let a burst of notifications settle
            }
        }
    }

    private async Task MarkCaughtUpAsync(string source, DateTimeOffset scanStarted, CancellationToken cancellationToken)
    {
        try
        {
            await sources.MarkCaughtUpAsync(source, scanStarted, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            // Postgres away: the next idle scan records it.
            logger.LogWarning("Could not record that {Source} is caught up: {Reason}", source, e.Message);
        }
    }

    private static bool DictionariesEqual(Dictionary<string, string> a, Dictionary<string, string> b)
        => a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <summary>Stores the files the folder holds that are not read, logging each once (the first time it is stored).</summary>
    private async Task<bool> RecordSkippedAsync(string source, Dictionary<string, string> skipped, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (key, reason) in await skippedFiles.RecordSkippedAsync(source, skipped, complete: true, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("{Source}:{Key} is not read: {Reason}", source, key, reason);
            }
            return true;
        }
        catch (NpgsqlException e)
        {
            // Postgres away: the next scan tries again.
            logger.LogWarning("Could not record the files {Source} skips: {Reason}", source, e.Message);
            return false;
        }
    }

    private async Task ReadPairListAsync(string source, ReadyFile file, CancellationToken cancellationToken)
    {
        var folderKey = Path.GetDirectoryName(file.Key)?.Replace(Path.DirectorySeparatorChar, '/') ?? "";
        var list = PairList.Parse(await File.ReadAllTextAsync(file.Path, cancellationToken).ConfigureAwait(false), folderKey);
        foreach (var problem in list.Problems)
        {
            logger.LogWarning("{Source}:{Key} {Problem}; the row is skipped", source, file.Key, problem);
        }
        var added = await pairs.ClaimPairsAsync(source, list.Pairs, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("{Source}:{Key}: {Rows} pairs listed, {Added} new; each pairs once both sides have arrived", source, file.Key, list.Pairs.Count, added);
    }

    private readonly record struct Pending(long Length, DateTime Modified, DateTime FirstSeen);

    private sealed record ReadyFile(string Key, string Path, string Etag, long Length);

    /// <summary>Lists what is ready to read; <paramref name="skipped"/> gets every file it will not read, with why.</summary>
    private List<ReadyFile> Scan(string root, Dictionary<string, string?> seen, Dictionary<string, Pending> pending, TimeSpan stableFor, Dictionary<string, string> skipped)
    {
        var now = DateTime.UtcNow;
        var ready = new List<ReadyFile>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        skipped.Clear();
        var sidecars = new List<string>();
        var mediaStems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, file, why) in Enumerate(root))
        {
            if (file is null)
            {
                skipped[key] = why!;
                continue;
            }
            if (ObjectNames.SkipReason(file.Name) is { } reason && !ObjectNames.IsSidecar(file.Name))
            {
                skipped[key] = reason;
                continue;
            }
            if (ObjectNames.IsSidecar(file.Name))
            {
                sidecars.Add(key);
            }
            else if (!ObjectNames.IsPairList(file.Name))
            {
                mediaStems.Add(Stem(key));
            }
            long length;
            DateTime modified;
            try
            {
                file.Refresh();
                length = file.Length;
                modified = file.LastWriteTimeUtc;
            }
            catch (IOException)
            {
                continue; // gone since it was listed
            }
            var etag = $"{length}:{modified.Ticks}";
            if (seen.TryGetValue(key, out var known) && known == etag)
            {
                continue;
            }
            present.Add(key);
            if (pending.TryGetValue(key, out var before) && before.Length == length && before.Modified == modified)
            {
                if (now - before.FirstSeen >= stableFor)
                {
                    ready.Add(new ReadyFile(key, file.FullName, etag, length));
                    pending.Remove(key);
                }
                continue;
            }
            // Untouched for the whole interval already (e.g. renamed into place when complete): read it now.
            if (!pending.ContainsKey(key) && now - modified >= stableFor)
            {
                ready.Add(new ReadyFile(key, file.FullName, etag, length));
                continue;
            }
            pending[key] = new Pending(length, modified, now);
        }
        foreach (var gone in pending.Keys.Where(key => !present.Contains(key)).ToList())
        {
            pending.Remove(gone);
        }
        // A transcript is read (and kept for audio of its name that may come), but with no such file beside it nothing is indexed from it.
        foreach (var sidecar in sidecars.Where(key => !mediaStems.Contains(Stem(key))))
        {
            skipped[sidecar] = "a transcript with no audio or video of its name beside it (kept, and used when one arrives)";
        }
        return ready;
    }

    private static string Stem(string key) => key[..^Path.GetExtension(key).Length];

    /// <summary>
    /// Every regular file under the root, keyed by its path relative to the root with '/' separators; links that are
    /// not followed come with no file and the reason.
    /// </summary>
    private IEnumerable<(string Key, FileInfo? File, string? Skipped)> Enumerate(string root)
    {
        var folders = new Stack<DirectoryInfo>();
        folders.Push(new DirectoryInfo(root));
        while (folders.Count > 0)
        {
            var folder = folders.Pop();
            FileSystemInfo[] entries;
            try
            {
                entries = folder.GetFileSystemInfos();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Cannot list {Folder}: {Reason}", folder.FullName, e.Message);
                continue;
            }
            foreach (var entry in entries)
            {
                var key = Path.GetRelativePath(root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    var target = SafeResolve(entry);
                    // Links to folders are not descended (cycles); links leading outside the root are not followed.
                    if (target is FileInfo { Exists: true } file)
                    {
                        var real = RealPath(file.FullName);
                        yield return IsInside(root, real) ? (key, file, null) : (key, null, $"a symbolic link leading outside the watched folder (to {real})");
                    }
                    else if (target is DirectoryInfo { Exists: true })
                    {
                        yield return (key, null, "a symbolic link to a folder (links to folders are not followed)");
                    }
                    else
                    {
                        yield return (key, null, $"a broken symbolic link (to {entry.LinkTarget})");
                    }
                    continue;
                }
                if (entry is DirectoryInfo directory)
                {
                    folders.Push(directory);
                }
                else if (entry is FileInfo file)
                {
                    yield return (key, file, null);
                }
            }
        }
    }

    private static FileSystemInfo? SafeResolve(FileSystemInfo link)
    {
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsInside(string root, string path)
        => path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        var resolvedParent = parent is null ? null : RealPath(parent);
        var joined = resolvedParent is null ? full : Path.Combine(resolvedParent, Path.GetFileName(full));
        try
        {
            var info = new FileInfo(joined);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                return RealPath(target.FullName);
            }
        }
        catch (IOException)
        {
        }
        return joined;
    }
}
