using BrewClip.Contracts;
using BrewClip.Hosting;
using MassTransit;

namespace BrewClip.Training.Consumers;

/// <summary>An embedding service finished a backfill: the promotion monitor checks whether the version can be activated.</summary>
internal sealed class ModelBackfillCompletedConsumer(WakeUpSignal signal) : IConsumer<ModelBackfillCompleted>
{
    public Task Consume(ConsumeContext<ModelBackfillCompleted> context)
    {
        signal.Wake();
        return Task.CompletedTask;
    }
}
