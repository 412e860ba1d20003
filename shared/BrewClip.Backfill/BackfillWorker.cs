using BrewClip.Contracts;
using BrewClip.Hosting;
using BrewClip.Storage.ModelVersions;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Backfill;

/// <summary>
/// Re-embeds this service's items with every version being backfilled, a batch per transaction: the batch's
/// vectors, the cursor past them and the count done commit together under the backfill row's lock. So a service
/// killed midway continues where the last commit left it, replicas take turns instead of doing a batch twice,
/// and "done" counts each item once. After the cursor pass, items the pass could not see (cached after the
/// cursor passed them) are swept up; then the backfill is finished and ModelBackfillCompleted published.
/// A batch that keeps failing for a reason other than the database (a corrupt head, say) is reported with
/// ModelBackfillFailed, and Training rejects the version; so is, at once, a pass that selected items and could write
/// none of them (<see cref="BackfillStuckException"/>), which would otherwise repeat for ever. The counts are
/// recounted every <see cref="RecountInterval"/>, so the progress shown is the real one however items come and go.
/// </summary>
public sealed class BackfillWorker(
    NpgsqlDataSource dataSource,
    IBackfillSource source,
    WakeUpSignal signal,
    IBus bus,
    IHostApplicationLifetime lifetime,
    IOptions<BackfillOptions> options,
    ILogger<BackfillWorker> logger,
    int defaultBatchSize) : BackgroundService
{
    private readonly Dictionary<int, int> _failures = [];
    private readonly HashSet<int> _reported = [];

    /// <summary>How often a running backfill counts its items and their vectors again.</summary>
    public static readonly TimeSpan RecountInterval = TimeSpan.FromSeconds(30);

    private int BatchSize => options.Value.BatchSize > 0 ? options.Value.BatchSize : defaultBatchSize;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The bus publishes what this finds, so wait until the host (and so the bus) has started.
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        var store = new ModelVersionReader(dataSource);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var version in await store.BackfillingAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (!source.Serves(version))
                    {
                        if (_reported.Add(version.Version))
                        {
                            logger.LogInformation("Backfill ({Kind}) of model version {Version} is left to services running its models ({Models})",
                                source.Kind, version.Version, version.Models);
                        }
                        continue;
                    }
                    if (!_reported.Contains(version.Version))
                    {
                        await BackfillAsync(version, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (IsDatabaseUnavailable(e) && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Backfill ({Kind}) paused: the database is unavailable ({Reason}); retrying", source.Kind, e.Message);
            }
            await signal.WaitAsync(TimeSpan.FromSeconds(options.Value.PollSeconds), stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task BackfillAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        logger.LogInformation("Backfilling {Kind} vectors for model version {Version}", source.Kind, version.Version);
        var sinceCount = System.Diagnostics.Stopwatch.StartNew();
        var recount = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            BackfillBatchOutcome outcome;
            try
            {
                outcome = await BackfillBatch.RunAsync(dataSource, source, version.Version, BatchSize, recount, cancellationToken).ConfigureAwait(false);
                _failures.Remove(version.Version);
                if (recount)
                {
                    sinceCount.Restart();
                }
                recount = sinceCount.Elapsed >= RecountInterval;
            }
            catch (BackfillStuckException e)
            {
                logger.LogError("Backfill ({Kind}) of model version {Version} failed: {Reason}", source.Kind, version.Version, e.Message);
                _reported.Add(version.Version);
                await bus.Publish(new ModelBackfillFailed(version.Version, source.Kind, e.Message), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (!IsDatabaseUnavailable(e) && e is not OperationCanceledException)
            {
                var attempts = _failures[version.Version] = _failures.GetValueOrDefault(version.Version) + 1;
                logger.LogError(e, "Backfill ({Kind}) of model version {Version} failed (attempt {Attempt} of {Attempts})",
                    source.Kind, version.Version, attempts, options.Value.Attempts);
                if (attempts < options.Value.Attempts)
                {
                    await Task.Delay(TimeSpan.FromSeconds(attempts), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                _reported.Add(version.Version);
                await bus.Publish(new ModelBackfillFailed(version.Version, source.Kind, e.Message), cancellationToken).ConfigureAwait(false);
                return;
            }
            switch (outcome)
            {
                case BackfillBatchOutcome.Finished finished:
                    logger.LogInformation("Backfill ({Kind}) of model version {Version} complete: {Done} items", source.Kind, version.Version, finished.Done);
                    await bus.Publish(new ModelBackfillCompleted(version.Version, source.Kind), cancellationToken).ConfigureAwait(false);
                    return;
                case BackfillBatchOutcome.Stopped:
                    return;
                case BackfillBatchOutcome.Progress progress:
                    logger.LogInformation("Backfill ({Kind}) of model version {Version}: {Done}/{Total}", source.Kind, version.Version, progress.Done, progress.Total);
                    break;
            }
        }
    }

    private static bool IsDatabaseUnavailable(Exception e) => e switch
    {
        PostgresException postgres => postgres.IsTransient,
        NpgsqlException => true,
        TimeoutException => true,
        _ => false,
    };
}
