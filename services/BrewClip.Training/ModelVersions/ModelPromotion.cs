using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.Training.ModelVersions;

/// <summary>Promotes a candidate: backfilling in the database first, then ModelPromoted to wake the embedding services.</summary>
internal sealed class ModelPromotion(ModelVersionRegistry registry, IBus bus)
{
    public async Task PromoteAsync(int version, CancellationToken cancellationToken)
    {
        await registry.PromoteAsync(version, cancellationToken).ConfigureAwait(false);
        // Published after the commit; were it lost, the services' polls find the version anyway.
        await bus.Publish(new ModelPromoted(version), cancellationToken).ConfigureAwait(false);
    }
}
