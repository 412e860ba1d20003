using BrewClip.Contracts;
using BrewClip.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>
/// Re-embeds every image with a promoted model version from the cached CLIP embeddings (no vision
/// run), in id order, recording progress in brewclip.backfills, then reports completion.
/// A redelivered promotion resumes: vectors already written are left as they are.
/// </summary>
internal sealed class ModelPromotedConsumer(
    ImageStore images,
    ImageIndexer indexer,
    ModelVersionStore versions,
    IOptions<ImageEmbeddingOptions> options,
    ILogger<ModelPromotedConsumer> logger) : IConsumer<ModelPromoted>
{
    public const string Kind = "image";

    public async Task Consume(ConsumeContext<ModelPromoted> context)
    {
        var cancellationToken = context.CancellationToken;
        var version = await versions.FindAsync(context.Message.ModelVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Model version {context.Message.ModelVersion} was promoted but is not in brewclip.model_versions.");
        await versions.CreateVectorIndexesAsync(version.Version, cancellationToken).ConfigureAwait(false);
        var total = await images.CountEmbeddingsAsync(cancellationToken).ConfigureAwait(false);
        await versions.StartBackfillAsync(version.Version, Kind, total, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Re-embedding {Total} images with model version {Version}", total, version.Version);

        long done = 0;
        long afterId = 0;
        while (true)
        {
            var page = await images.EmbeddingsAfterAsync(afterId, options.Value.ReembedBatchSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }
            await indexer.WriteVectorsAsync(version, page, cancellationToken).ConfigureAwait(false);
            done += page.Count;
            afterId = page[^1].Id;
            await versions.ReportBackfillAsync(version.Version, Kind, done, finished: false, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Re-embedded {Done}/{Total} images with model version {Version}", done, total, version.Version);
        }
        await versions.ReportBackfillAsync(version.Version, Kind, done, finished: true, cancellationToken).ConfigureAwait(false);
        await context.Publish(new ModelBackfillCompleted(version.Version, Kind, done), cancellationToken).ConfigureAwait(false);
    }
}
