using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>Embeds a batch of newly ingested images with one CLIP run.</summary>
internal sealed class ImageIngestedConsumer(ImageIndexer indexer, ILogger<ImageIngestedConsumer> logger) : IConsumer<Batch<ImageIngested>>
{
    public async Task Consume(ConsumeContext<Batch<ImageIngested>> context)
    {
        var ids = context.Message.Select(m => m.Message.ImageId).ToList();
        var result = await indexer.IndexAsync(ids, context.CancellationToken).ConfigureAwait(false);
        logger.LogInformation("Embedded {Embedded} images ({FromCrops} from stored crops, {Decoded} decoded, {Failed} failed, {Written} vectors written) with model versions {Versions}",
            result.Embedded, result.FromCrops, result.Decoded, result.Failed, result.VectorsWritten, string.Join(", ", result.ModelVersions));
    }
}
