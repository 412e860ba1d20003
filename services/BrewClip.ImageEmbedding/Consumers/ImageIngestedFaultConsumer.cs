using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>An image whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class ImageIngestedFaultConsumer(ImageStore images) : IConsumer<Fault<ImageIngested>>
{
    public async Task Consume(ConsumeContext<Fault<ImageIngested>> context)
    {
        var error = context.Message.Exceptions.FirstOrDefault();
        var reason = error is null ? "processing failed" : $"processing failed after retries: {error.ExceptionType}: {error.Message}";
        await images.MarkFailedAsync(context.Message.Message.ImageId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
