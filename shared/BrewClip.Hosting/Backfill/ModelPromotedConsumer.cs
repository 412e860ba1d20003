using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.Hosting.Backfill;

/// <summary>
/// Wakes this service's backfill worker. The work itself is not done in the message: the worker takes the
/// version from brewclip.model_versions, so a backfill of any size never outlasts the broker's consumer timeout,
/// and a lost message only delays it to the next poll.
/// </summary>
public sealed class ModelPromotedConsumer(WakeUpSignal signal) : IConsumer<ModelPromoted>
{
    public Task Consume(ConsumeContext<ModelPromoted> context)
    {
        signal.Wake();
        return Task.CompletedTask;
    }
}
