using BrewClip.Contracts;
using BrewClip.Queries;
using BrewClip.Storage.ModelVersions;
using MassTransit;

namespace BrewClip.Search.Consumers;

/// <summary>A new active version: its heads are loaded now, before the first query that needs them.</summary>
public sealed class ModelActivatedConsumer(ModelVersionReader versions, QueryEmbedder embedder, ILogger<ModelActivatedConsumer> logger) : IConsumer<ModelActivated>
{
    public async Task Consume(ConsumeContext<ModelActivated> context)
    {
        var active = await versions.ActiveAsync(context.CancellationToken).ConfigureAwait(false);
        await embedder.WarmAsync(active, context.CancellationToken).ConfigureAwait(false);
        logger.LogInformation("Model version {Version} is active (was {Previous}); its heads are loaded", active.Version, context.Message.PreviousVersion);
    }
}
