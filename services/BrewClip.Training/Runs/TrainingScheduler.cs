using BrewClip.Contracts;
using BrewClip.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.Runs;

/// <summary>
/// Training:Schedule: at start and then every interval, queues a run when none is queued or running and at
/// least Training:MinNewPairs train pairs arrived since the last run that finished.
/// </summary>
internal sealed class TrainingScheduler(
    TrainingRunStore runs,
    IHostApplicationLifetime lifetime,
    IOptions<TrainingOptions> options,
    ILogger<TrainingScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Schedule;
        if (interval == TimeSpan.Zero)
        {
            logger.LogInformation("Training:Schedule is off; runs start on request only");
            return;
        }
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Scheduled training check skipped: the database is unavailable ({Reason})", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (await runs.BusyAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var (fresh, _) = await runs.NewTrainPairsAsync(cancellationToken).ConfigureAwait(false);
        var needed = options.Value.MinNewPairs;
        if (fresh < needed)
        {
            logger.LogInformation("Scheduled training: {Fresh} new train pairs, {Needed} needed; no run", fresh, needed);
            return;
        }
        var id = await runs.RequestAsync(new RetrainRequested(Guid.NewGuid(), "schedule", Force: false, Reason: $"{fresh} new train pairs"), "schedule", cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Scheduled training: {Fresh} new train pairs; run {Run} queued", fresh, id);
    }
}
