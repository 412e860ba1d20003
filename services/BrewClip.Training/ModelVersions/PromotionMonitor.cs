using BrewClip.Contracts;
using BrewClip.Hosting;
using BrewClip.Storage.ModelVersions;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.ModelVersions;

/// <summary>
/// Finishes promotions: when both embedding services have backfilled a version and its vectors cover every item
/// the active version has, builds its indexes, activates it (ModelActivated) and applies retention. Woken by
/// ModelBackfillCompleted and otherwise polling, so a lost message delays a promotion but never strands it.
/// A version whose vectors still fall short Training:BackfillVerifyTimeoutSeconds after both backfills finished
/// is rejected with the counts.
/// </summary>
internal sealed class PromotionMonitor(
    NpgsqlDataSource dataSource,
    ModelVersionRegistry registry,
    WakeUpSignal signal,
    IBus bus,
    IHostApplicationLifetime lifetime,
    IOptions<TrainingOptions> options,
    ILogger<PromotionMonitor> logger) : BackgroundService
{
    private readonly Dictionary<int, DateTimeOffset> _shortSince = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        await registry.ApplyRetentionAsync(stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var version in await new ModelVersionReader(dataSource).BackfillingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await CompleteAsync(version.Version, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Promotion check paused: the database is unavailable ({Reason}); retrying", e.Message);
            }
            await signal.WaitAsync(TimeSpan.FromSeconds(options.Value.PromotionPollSeconds), stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteAsync(int version, CancellationToken cancellationToken)
    {
        var check = await registry.CheckAsync(version, cancellationToken).ConfigureAwait(false);
        if (!check.BothFinished)
        {
            return;
        }
        if (!check.VectorsMatch)
        {
            var active = await registry.ActiveVersionAsync(cancellationToken).ConfigureAwait(false);
            var since = _shortSince.TryGetValue(version, out var first) ? first : _shortSince[version] = DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - since < TimeSpan.FromSeconds(options.Value.BackfillVerifyTimeoutSeconds))
            {
                logger.LogInformation("Model version {Version} backfilled, waiting for items in flight: {Counts}", version, check.Describe(version, active));
                return;
            }
            await registry.RejectAsync(version, $"its backfill did not cover the index: {check.Describe(version, active)}", cancellationToken).ConfigureAwait(false);
            _shortSince.Remove(version);
            return;
        }
        _shortSince.Remove(version);
        if (await registry.ActivateBackfilledAsync(version, cancellationToken).ConfigureAwait(false) is int previous)
        {
            await bus.Publish(new ModelActivated(version, previous), cancellationToken).ConfigureAwait(false);
            await registry.ApplyRetentionAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
