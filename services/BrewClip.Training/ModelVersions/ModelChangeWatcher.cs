using BrewClip.Hosting;
using BrewClip.Models;
using BrewClip.Models.Catalogue;
using BrewClip.Storage.ModelVersions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.ModelVersions;

/// <summary>
/// A change of model (Models:Clip or Models:Whisper set to other catalogue models than the active version was made
/// with) becomes a new base version: registered and promoted here, it is backfilled by the embedding services that run
/// the new models (every image embedded again from its media, every segment's text by the new text tower) while the
/// active version keeps serving search, and it becomes active when it covers every item (PromotionMonitor). Checked at
/// start and then every Training:PromotionPollSeconds until the active version is made with the configured models or one
/// that is on its way; a precision change alone (fp32/int8) keeps the version: its vectors stay comparable.
/// </summary>
internal sealed class ModelChangeWatcher(
    NpgsqlDataSource dataSource,
    ModelVersionRegistry registry,
    ModelPromotion promotion,
    IOptions<ModelOptions> models,
    IOptions<TrainingOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ModelChangeWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        var choice = models.Value.Choice();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await CheckAsync(choice, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Model change check paused: the database is unavailable ({Reason}); retrying", e.Message);
            }
            catch (ModelRequestRefusedException e)
            {
                logger.LogWarning("The base version for {Clip} + {Whisper} waits: {Reason}", choice.Clip.Name, choice.Whisper.Name, e.Message);
            }
            await Task.Delay(TimeSpan.FromSeconds(options.Value.PromotionPollSeconds), stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when nothing (more) is to be done for the configured models.</summary>
    private async Task<bool> CheckAsync(ModelChoice choice, CancellationToken cancellationToken)
    {
        var active = await new ModelVersionReader(dataSource).ActiveAsync(cancellationToken).ConfigureAwait(false);
        // A change of model given up (the options name the active version's models again, or other models since): its
        // base version would wait for services that no longer run its models, and hold back every other promotion meanwhile.
        foreach (var abandoned in await AbandonedAsync(choice, cancellationToken).ConfigureAwait(false))
        {
            await registry.RejectAsync(abandoned.Version, $"the change of model to {abandoned.Models} was given up: Models:Clip and Models:Whisper " +
                $"name {choice.Clip.Name} + {choice.Whisper.Name} now", cancellationToken).ConfigureAwait(false);
        }
        if (active.Clip == choice.Clip.Name && active.Whisper == choice.Whisper.Name)
        {
            return true;
        }
        var (version, status) = await registry.EnsureBaseAsync(choice,
            $"base version for {choice.Clip.Name} + {choice.Whisper.Name} (the models changed from {active.Clip} + {active.Whisper})", cancellationToken).ConfigureAwait(false);
        if (status == ModelVersionStatus.Backfilling)
        {
            logger.LogInformation("Model version {Version} for {Clip} + {Whisper} is re-indexing; version {Active} ({Models}) serves search until it is complete",
                version, choice.Clip.Name, choice.Whisper.Name, active.Version, active.Models);
            return true;
        }
        logger.LogWarning("The configured models ({Clip} + {Whisper}) are not those of the active version {Active} ({Models}): promoting base version {Version}, " +
            "which re-indexes every item with them; version {Active} serves search until it is complete", choice.Clip.Name, choice.Whisper.Name, active.Version,
            active.Models, version, active.Version);
        await promotion.PromoteAsync(version, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Base versions on their way (candidate or backfilling) for other models than the configured ones.</summary>
    private async Task<List<ModelVersion>> AbandonedAsync(ModelChoice choice, CancellationToken cancellationToken)
    {
        var reader = new ModelVersionReader(dataSource);
        var pending = await reader.BackfillingAsync(cancellationToken).ConfigureAwait(false);
        pending.AddRange(await reader.CandidatesAsync(cancellationToken).ConfigureAwait(false));
        return pending.Where(v => v.IsBase && (v.Clip != choice.Clip.Name || v.Whisper != choice.Whisper.Name)).ToList();
    }
}
