using BrewClip.Contracts;
using BrewClip.Hosting;
using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using BrewClip.Ingest.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>
/// Publishes again the message of every recording or image that sat at its ingested stage past
/// <see cref="IngestOptions.ReconcileAfterSeconds"/>: a crash between a commit and its publish delays
/// an item, never loses it. The consumers are idempotent, so a second message changes nothing.
/// A kind whose consumer queue still has messages waiting is left alone for that pass: under a backlog its items
/// are queued, not lost, and publishing them again would only make the backlog longer and process them twice.
/// </summary>
public sealed class Reconciler(
    StaleItemStore store,
    IBus bus,
    QueueBacklog backlog,
    IOptions<IngestOptions> options,
    IOptions<RabbitMqOptions> rabbitMq,
    IHostApplicationLifetime lifetime,
    ILogger<Reconciler> logger)
    : BackgroundService
{
    /// <summary>The queues RecordingIngested and ImageIngested wait in: Transcription's and ImageEmbedding's.</summary>
    private readonly string _recordingQueue = BusRegistration.QueueName(rabbitMq.Value.QueuePrefix, "brewclip-transcription", nameof(RecordingIngested));
    private readonly string _imageQueue = BusRegistration.QueueName(rabbitMq.Value.QueuePrefix, "brewclip-image-embedding", nameof(ImageIngested));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        var after = TimeSpan.FromSeconds(options.Value.ReconcileAfterSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds));
        do
        {
            try
            {
                var recordings = await IdleAsync(_recordingQueue, "recordings", stoppingToken).ConfigureAwait(false);
                var images = await IdleAsync(_imageQueue, "images", stoppingToken).ConfigureAwait(false);
                var messages = recordings || images
                    ? await store.TakeStaleAsync(after, recordings, images, stoppingToken).ConfigureAwait(false)
                    : new IngestAnnouncements();
                await messages.PublishAsync(bus, stoppingToken).ConfigureAwait(false);
                if (messages.Count > 0)
                {
                    logger.LogWarning("Published {Count} messages again for items still at their ingested stage after {After}", messages.Count, after);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The reconciler's pass failed; it tries again in {Interval}", timer.Period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>True when nothing waits in the queue (or the broker cannot say: then re-publishing is the safe side).</summary>
    private async Task<bool> IdleAsync(string queue, string items, CancellationToken cancellationToken)
    {
        var ready = await backlog.ReadyAsync(queue, cancellationToken).ConfigureAwait(false);
        if (ready is > 0)
        {
            logger.LogInformation("Reconciler: {Ready} messages wait in {Queue}; stale {Items} are taken as queued and not published again this pass",
                ready, queue, items);
            return false;
        }
        return true;
    }
}
