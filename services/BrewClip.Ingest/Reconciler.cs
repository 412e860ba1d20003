using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>
/// Publishes again the message of every recording or image that sat at its ingested stage past
/// <see cref="IngestOptions.ReconcileAfterSeconds"/>: a crash between a commit and its publish delays
/// an item, never loses it. The consumers are idempotent, so a second message changes nothing.
/// </summary>
public sealed class Reconciler(IngestStore store, IBus bus, IOptions<IngestOptions> options, IHostApplicationLifetime lifetime, ILogger<Reconciler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        var after = TimeSpan.FromSeconds(options.Value.ReconcileAfterSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds));
        do
        {
            try
            {
                var messages = await store.TakeStaleAsync(after, stoppingToken).ConfigureAwait(false);
                foreach (var message in messages)
                {
                    await bus.Publish(message, message.GetType(), stoppingToken).ConfigureAwait(false);
                }
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
}
