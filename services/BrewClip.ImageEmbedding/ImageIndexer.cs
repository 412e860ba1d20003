using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// Turns images into index vectors: CLIP runs once per batch for images without a cached embedding,
/// the head of each live version (the active one, one being backfilled, retired ones kept for a rollback) makes the vectors, and they are
/// upserted. A bad image fails alone.
/// </summary>
internal sealed class ImageIndexer(
    ImageStore images,
    ImageFeatures features,
    ImageHeads heads,
    VectorIndexWriter writer,
    ServedModels models,
    ILogger<ImageIndexer> logger)
{
    public async Task<ImageIndexResult> IndexAsync(IReadOnlyCollection<long> imageIds, CancellationToken cancellationToken)
    {
        var ids = imageIds.Distinct().ToArray();
        var rows = await images.LoadAsync(ids, cancellationToken).ConfigureAwait(false);
        foreach (var missing in ids.Except(rows.Select(r => r.Id)))
        {
            logger.LogWarning("Image {ImageId} is not in the database; its message is dropped", missing);
        }
        var (embeddings, failures, fromCrops, decoded) = await features.EnsureAsync(rows, cancellationToken).ConfigureAwait(false);

        var embedded = rows.Where(r => embeddings.ContainsKey(r.Id)).Select(r => r.Id).ToArray();
        var cached = embedded.Select(id => (id, embeddings[id])).ToList();
        var written = await writer.UpsertImageVectorsForLiveVersionsAsync(version => heads.VectorsAsync(version, cached, cancellationToken), cancellationToken,
            models.ServesImages).ConfigureAwait(false);
        if (written.Skipped is { Count: > 0 } skipped)
        {
            logger.LogInformation("Model versions {Skipped} were made with another CLIP than {Clip}; services running theirs write their vectors",
                string.Join(", ", skipped), models.Clip);
        }
        await images.MarkEmbeddedAsync(embedded, cancellationToken).ConfigureAwait(false);
        foreach (var (id, reason) in failures)
        {
            logger.LogWarning("Image {ImageId} failed: {Reason}", id, reason);
            await images.MarkFailedAsync(id, reason, cancellationToken).ConfigureAwait(false);
        }
        return new ImageIndexResult(embedded.Length, fromCrops, decoded, failures.Count, written.RowsChanged, written.Versions);
    }
}
