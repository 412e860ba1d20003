using BrewClip.Contracts;
using BrewClip.Hosting;
using MassTransit;

namespace BrewClip.Backfill;

/// <summary>
/// What an embedding service does with ModelPromoted: wake its <see cref="BackfillWorker"/>. The work itself is not
/// done in the message: the worker takes the version from brewclip.model_versions, so a backfill of any size never
/// outlasts the broker's consumer timeout, and a lost message only delays it to the next poll. Each service that
/// backfills has its own sealed ModelPromotedConsumer deriving from this, so its queue is its own.
/// </summary>
public abstract class WakeBackfillOnPromotion(WakeUpSignal signal) : IConsumer<ModelPromoted>
{
    public Task Consume(ConsumeContext<ModelPromoted> context)
    {
        signal.Wake();
        return Task.CompletedTask;
    }
}
