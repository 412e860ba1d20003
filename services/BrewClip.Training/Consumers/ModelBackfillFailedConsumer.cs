using BrewClip.Contracts;
using BrewClip.Training.ModelVersions;
using MassTransit;

namespace BrewClip.Training.Consumers;

/// <summary>An embedding service could not backfill a version: the version is rejected with its reason; the active one keeps serving.</summary>
internal sealed class ModelBackfillFailedConsumer(ModelVersionRegistry registry) : IConsumer<ModelBackfillFailed>
{
    public Task Consume(ConsumeContext<ModelBackfillFailed> context)
        => registry.RejectAsync(context.Message.ModelVersion, $"the {context.Message.Kind} backfill failed: {context.Message.Reason}", context.CancellationToken);
}
