using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using MassTransit;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>An image whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class ImageIngestedFaultConsumer(ImageStore images) : IConsumer<Fault<ImageIngested>>
{
    public async Task Consume(ConsumeContext<Fault<ImageIngested>> context)
    {
        var reason = FaultReason.Describe(context.Message, "processing");
        await images.MarkFailedAsync(context.Message.Message.ImageId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
