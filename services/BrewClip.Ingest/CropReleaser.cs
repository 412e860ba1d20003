using BrewClip.Hosting;
using BrewClip.Ingest.Storage;
using BrewClip.Storage.Artifacts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Ingest;

/// <summary>
/// Deletes the CLIP crops Ingest stored beside its images once ImageEmbedding has cached their embeddings (the
/// crops are read only to compute those), then clears the rows' <c>clip_crop_uri</c>: Ingest writes the crops
/// and the column, so Ingest removes them. Off with <see cref="IngestOptions.KeepClipCrops"/>.
/// </summary>
public sealed class CropReleaser(CropStore store, IArtifactStore artifacts, IOptions<IngestOptions> options, IHostApplicationLifetime lifetime, ILogger<CropReleaser> logger)
    : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.KeepClipCrops)
        {
            return;
        }
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CropReleaseIntervalSeconds));
        do
        {
            try
            {
                while (await ReleaseBatchAsync(stoppingToken).ConfigureAwait(false) == BatchSize)
                {
                }
            }
            catch (NpgsqlException e)
            {
                logger.LogWarning("Could not release stored crops: {Reason}; trying again in {Interval}", e.Message, timer.Period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Deletes one batch of crops no longer needed; returns how many it looked at.</summary>
    private async Task<int> ReleaseBatchAsync(CancellationToken cancellationToken)
    {
        var crops = await store.CropsNoLongerNeededAsync(BatchSize, cancellationToken).ConfigureAwait(false);
        var released = new List<long>();
        foreach (var (id, uri) in crops)
        {
            try
            {
                await artifacts.DeleteAsync(uri, cancellationToken).ConfigureAwait(false); // one already gone is no error
                released.Add(id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or Amazon.Runtime.AmazonServiceException)
            {
                logger.LogWarning("The stored crop of image {ImageId} ({Uri}) could not be deleted: {Reason}", id, uri, e.Message);
            }
        }
        if (released.Count > 0)
        {
            await store.ForgetCropsAsync(released, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Deleted {Count} stored crops whose embeddings are cached", released.Count);
        }
        // A batch whose every crop failed would be looked at again at once: stop the pass instead.
        return released.Count == 0 ? 0 : crops.Count;
    }
}
