using MassTransit;

namespace BrewClip.Hosting.Bus;

/// <summary>
/// The consumer of a message's fault (it exhausted its retries): the item it named is marked failed with
/// <see cref="FaultReason"/>'s description. A service derives one per message it handles, saying which item
/// and through which store; the class name keeps the fault queue's name.
/// </summary>
public abstract class FailItemOnFault<TMessage>(string work) : IConsumer<Fault<TMessage>>
    where TMessage : class
{
    public Task Consume(ConsumeContext<Fault<TMessage>> context)
        => MarkFailedAsync(context.Message.Message, FaultReason.Describe(context.Message, work), context.CancellationToken);

    /// <summary>Marks the item <paramref name="message"/> names failed, with <paramref name="reason"/>.</summary>
    protected abstract Task MarkFailedAsync(TMessage message, string reason, CancellationToken cancellationToken);
}
