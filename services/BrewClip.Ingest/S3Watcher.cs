using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BrewClip.Hosting;
using BrewClip.Ingest.Storage;
using BrewClip.Media;
using BrewClip.Storage.Artifacts;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>
/// Watches the configured S3-compatible buckets. Every <see cref="IngestOptions.PollIntervalMs"/> it
/// lists the keys after its cursor (persisted in <c>brewclip.sources</c>), and every
/// <see cref="IngestOptions.RescanIntervalMs"/> the whole prefix, since a key written later can sort
/// before the cursor. An object is read when its key is new or its ETag changed: streamed to a temporary
/// file (never held in memory), with a sidecar transcript beside it when the bucket has one under its stem.
/// Of several instances watching a bucket, one reads it at a time (<see cref="SourceLeases"/>).
/// </summary>
public sealed class S3Watcher(
    SourceStore sources,
    SkippedStore skippedFiles,
    PairStore pairs,
    MediaIngestor ingestor,
    IngestScratch scratch,
    SourceLeases leases,
    IOptions<IngestOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<S3Watcher> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        await Task.WhenAll(_options.Buckets.Select(bucket => leases.ReadWhileHeldAsync(bucket.Name, token => WatchAsync(bucket, token), stoppingToken)))
            .ConfigureAwait(false);
    }

    public static AmazonS3Client CreateClient(S3SourceOptions bucket)
        => new S3Endpoint(bucket.ServiceUrl, bucket.Region, bucket.ForcePathStyle, bucket.AccessKey, bucket.SecretKey).CreateClient();

    private async Task WatchAsync(S3SourceOptions bucket, CancellationToken stoppingToken)
    {
        using var client = CreateClient(bucket);
        var location = $"s3://{bucket.Bucket}/{bucket.Prefix}";
        await sources.EnsureSourceAsync(bucket.Name, "s3", location, stoppingToken).ConfigureAwait(false);
        var seen = await sources.SeenAsync(bucket.Name, stoppingToken).ConfigureAwait(false);
        var sideFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        logger.LogInformation("Watching {Location} as source {Source} ({Known} objects already read)", location, bucket.Name, seen.Count);
        var lastFullListing = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = DateTimeOffset.UtcNow;
                var full = DateTime.UtcNow - lastFullListing >= TimeSpan.FromMilliseconds(_options.RescanIntervalMs);
                var cursor = full ? null : await sources.CursorAsync(bucket.Name, stoppingToken).ConfigureAwait(false);
                var read = await ListAndReadAsync(client, bucket, cursor, seen, sideFiles, stoppingToken).ConfigureAwait(false);
                if (full)
                {
                    lastFullListing = DateTime.UtcNow;
                    // Only a full listing can say nothing is left: a key that sorts before the cursor is not in the others.
                    if (read == 0)
                    {
                        await sources.MarkCaughtUpAsync(bucket.Name, started, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
            {
                logger.LogError("Listing or reading {Location} failed: {Reason}; trying again in {Interval} ms", location, e.Message, _options.PollIntervalMs);
            }
            await Task.Delay(_options.PollIntervalMs, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lists the bucket (after <paramref name="cursor"/>, or all of it) and reads what is new; returns how many objects it read or tried to.</summary>
    private async Task<int> ListAndReadAsync(AmazonS3Client client, S3SourceOptions bucket, string? cursor,
        Dictionary<string, string?> seen, Dictionary<string, string> sideFiles, CancellationToken cancellationToken)
    {
        var read = 0;
        var request = new ListObjectsV2Request { BucketName = bucket.Bucket, Prefix = bucket.Prefix, StartAfter = cursor };
        do
        {
            var page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            var objects = page.S3Objects ?? [];
            var lists = objects.Where(o => ObjectNames.IsPairList(o.Key) && (!sideFiles.TryGetValue(o.Key, out var etag) || etag != o.ETag)).ToList();
            foreach (var list in lists)
            {
                read++;
                await ReadPairListAsync(client, bucket, list, cancellationToken).ConfigureAwait(false);
                sideFiles[list.Key] = list.ETag;
            }
            var skipped = objects.Where(o => !o.Key.EndsWith('/') && !ObjectNames.IsSidecar(o.Key) && ObjectNames.SkipReason(o.Key) is not null)
                .ToDictionary(o => o.Key, o => ObjectNames.SkipReason(o.Key)!, StringComparer.Ordinal);
            if (skipped.Count > 0)
            {
                foreach (var (key, reason) in await skippedFiles.RecordSkippedAsync(bucket.Name, skipped, complete: false, cancellationToken).ConfigureAwait(false))
                {
                    logger.LogInformation("{Source}:{Key} is not read: {Reason}", bucket.Name, key, reason);
                }
            }
            var fresh = objects.Where(o => !o.Key.EndsWith('/') && !ObjectNames.Skipped(o.Key) && !ObjectNames.IsPairList(o.Key)
                && !(seen.TryGetValue(o.Key, out var known) && known == o.ETag)).ToList();
            read += fresh.Count;
            await Parallel.ForEachAsync(fresh, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
                async (item, token) =>
                {
                    if (await ReadObjectAsync(client, bucket, item, token).ConfigureAwait(false))
                    {
                        lock (seen)
                        {
                            seen[item.Key] = item.ETag;
                        }
                    }
                }).ConfigureAwait(false);
            // Sidecars after the media of the same page: audio listed with its sidecar has taken it already.
            foreach (var sidecar in objects.Where(o => ObjectNames.IsSidecar(o.Key) && (!sideFiles.TryGetValue(o.Key, out var etag) || etag != o.ETag)).ToList())
            {
                read++;
                if (await ReadSidecarAsync(client, bucket, sidecar, cancellationToken).ConfigureAwait(false))
                {
                    sideFiles[sidecar.Key] = sidecar.ETag;
                }
            }
            if (objects.Count > 0)
            {
                await sources.AdvanceCursorAsync(bucket.Name, objects[^1].Key, cancellationToken).ConfigureAwait(false);
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
        return read;
    }

    /// <summary>Streams one object (and its sidecar transcript, if the bucket has one) to a temporary folder and ingests it.</summary>
    private Task<bool> ReadObjectAsync(AmazonS3Client client, S3SourceOptions bucket, S3Object item, CancellationToken cancellationToken)
        => WithDownloadAsync(client, bucket, item, "was not ingested", async path =>
        {
            // A sidecar is asked for by name rather than looked up in the listing: it was usually uploaded first,
            // so it can sit before the cursor or on another page of the listing than its audio.
            var stem = item.Key[..^Path.GetExtension(path).Length];
            await Task.WhenAll(SidecarTranscript.Extensions.Select(
                extension => TryDownloadAsync(client, bucket.Bucket, stem + extension, Path.ChangeExtension(path, extension), cancellationToken))).ConfigureAwait(false);
            await ingestor.IngestFileAsync(new ObjectRef(bucket.Name, item.Key, item.ETag, new FileInfo(path).Length), path, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>A sidecar transcript listed on its own, for audio already ingested under its stem.</summary>
    private Task<bool> ReadSidecarAsync(AmazonS3Client client, S3SourceOptions bucket, S3Object item, CancellationToken cancellationToken)
        => WithDownloadAsync(client, bucket, item, "(a sidecar) was not read", path =>
            ingestor.ApplySidecarFileAsync(new ObjectRef(bucket.Name, item.Key, item.ETag, new FileInfo(path).Length), path, cancellationToken), cancellationToken);

    /// <summary>Downloads the object into a temporary folder of its own and reads it there; false (logged) when that fails.</summary>
    private async Task<bool> WithDownloadAsync(AmazonS3Client client, S3SourceOptions bucket, S3Object item, string failure,
        Func<string, Task> read, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(scratch.NewPath()).FullName;
        try
        {
            var path = Path.Combine(folder, item.Key[(item.Key.LastIndexOf('/') + 1)..]);
            await DownloadAsync(client, bucket.Bucket, item.Key, path, cancellationToken).ConfigureAwait(false);
            await read(path).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "{Source}:{Key} {Failure}; it is retried on a later listing", bucket.Name, item.Key, failure);
            return false;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Downloads the object if the bucket has it; a missing key is not an error.</summary>
    private static async Task TryDownloadAsync(AmazonS3Client client, string bucket, string key, string path, CancellationToken cancellationToken)
    {
        try
        {
            await DownloadAsync(client, bucket, key, path, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // No sidecar by that name.
        }
    }

    private static async Task DownloadAsync(AmazonS3Client client, string bucket, string key, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await response.ResponseStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadPairListAsync(AmazonS3Client client, S3SourceOptions bucket, S3Object list, CancellationToken cancellationToken)
    {
        using var response = await client.GetObjectAsync(bucket.Bucket, list.Key, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(response.ResponseStream);
        var content = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        var slash = list.Key.LastIndexOf('/');
        var parsed = PairList.Parse(content, slash < 0 ? "" : list.Key[..slash]);
        foreach (var problem in parsed.Problems)
        {
            logger.LogWarning("{Source}:{Key} {Problem}; the row is skipped", bucket.Name, list.Key, problem);
        }
        var added = await pairs.ClaimPairsAsync(bucket.Name, parsed.Pairs, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("{Source}:{Key}: {Rows} pairs listed, {Added} new", bucket.Name, list.Key, parsed.Pairs.Count, added);
    }
}
