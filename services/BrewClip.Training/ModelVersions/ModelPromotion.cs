using BrewClip.Contracts;
using BrewClip.Storage.ModelVersions;
using MassTransit;
using Npgsql;

namespace BrewClip.Training.ModelVersions;

/// <summary>Promotes a candidate: backfilling in the database first, then ModelPromoted to wake the embedding services.</summary>
internal sealed class ModelPromotion(ModelVersionRegistry registry, NpgsqlDataSource dataSource, IBus bus)
{
    public async Task PromoteAsync(int version, CancellationToken cancellationToken)
    {
        var active = await registry.PromoteAsync(version, cancellationToken).ConfigureAwait(false);
        var promoted = await new ModelVersionStore(dataSource).FindAsync(version, cancellationToken).ConfigureAwait(false);
        // Published after the commit; were it lost, the services' polls find the version anyway.
        await bus.Publish(new ModelPromoted(version, active, promoted!.ArtifactUri ?? ""), cancellationToken).ConfigureAwait(false);
    }
}
