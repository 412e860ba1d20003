using BrewClip.Hosting;
using BrewClip.Storage.ModelVersions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.Runs;

/// <summary>
/// Runs queued training runs one at a time across every replica: the worker that holds the training lease
/// (a session advisory lock, released when no run is left, or by Postgres when its process dies) claims runs until none is left. A
/// run found 'running' without a lease holder was left by a worker that died, and resumes from its last
/// checkpoint. Woken by brewclip.request_retrain's notification, or by a poll.
/// </summary>
internal sealed class TrainingWorker(
    NpgsqlDataSource dataSource,
    TrainingRunStore runs,
    RunExecutor executor,
    RunCheckpoints checkpoints,
    IHostApplicationLifetime lifetime,
    IOptions<TrainingOptions> options,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    /// <summary>The lease's advisory lock key: the model-version lock's key + 1 ("brewclip" + 1).</summary>
    public const long LeaseKey = ModelVersionLock.Key + 1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        var tidied = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!tidied)
                {
                    // Whether or not this replica gets the lease: a run killed here may have ended elsewhere since.
                    await checkpoints.RemoveEndedAsync(runs, stoppingToken).ConfigureAwait(false);
                    tidied = true;
                }
                await using var listener = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"listen {TrainingRunStore.Channel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await RunQueuedAsync(stoppingToken).ConfigureAwait(false);
                    await listener.WaitAsync(TimeSpan.FromSeconds(options.Value.RunPollSeconds), stoppingToken).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Training paused: the database is unavailable ({Reason}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(options.Value.RunPollSeconds), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunQueuedAsync(CancellationToken stoppingToken)
    {
        await using var lease = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
        await using (var take = new NpgsqlCommand("select pg_try_advisory_lock($1)", lease))
        {
            take.Parameters.Add(new() { Value = LeaseKey });
            if (await take.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false) is not true)
            {
                return; // another replica is training
            }
        }
        // Released here when no run is left (the pooled connection is not closed, so closing would not release it), and by
        // Postgres when the process dies.
        try
        {
            await ClaimAndRunAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await using var release = new NpgsqlCommand("select pg_advisory_unlock($1)", lease);
                release.Parameters.Add(new() { Value = LeaseKey });
                await release.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The connection is gone, and the lock with it.
            }
        }
    }

    private async Task ClaimAndRunAsync(CancellationToken stoppingToken)
    {
        while (await runs.ClaimAsync(stoppingToken).ConfigureAwait(false) is { } run)
        {
            logger.LogInformation("Training run {Run} ({Trigger}) started", run.Id, run.Trigger);
            RunOutcome outcome;
            try
            {
                outcome = await executor.ExecuteAsync(run, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                logger.LogInformation("Training run {Run} stopped with the service; it resumes from its last checkpoint", run.Id);
                return;
            }
            catch (RunCancelledException)
            {
                outcome = new RunOutcome(TrainingRunStatus.Cancelled, "cancelled on request; nothing was registered");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Training run {Run} failed", run.Id);
                outcome = new RunOutcome(TrainingRunStatus.Failed, $"{e.GetType().Name}: {e.Message}");
            }
            // Gone before the run is seen ended (a process that dies in between resumes the run, from its start).
            await checkpoints.DeleteAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
            await runs.FinishAsync(run.Id, outcome, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Training run {Run} ended {Status}: {Message}", run.Id, outcome.Status.ToDatabase(), outcome.Message);
        }
    }
}
