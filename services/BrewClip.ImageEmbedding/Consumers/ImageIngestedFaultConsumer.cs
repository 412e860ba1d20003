using BrewClip.Contracts;
using BrewClip.Hosting.Bus;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>An image whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class ImageIngestedFaultConsumer(ImageStore images) : FailItemOnFault<ImageIngested>("processing")
{
    protected override Task MarkFailedAsync(ImageIngested message, string reason, CancellationToken cancellationToken)
        => images.MarkFailedAsync(message.ImageId, reason, cancellationToken);
}
