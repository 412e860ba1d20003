using BrewClip.Models.Clip;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.Vectors;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// Turns images into index vectors: CLIP runs once per batch for images without a cached embedding,
/// the head of each live version (the active one, one being backfilled, retired ones kept for a rollback) makes the vectors, and they are
/// upserted. A bad image fails alone.
/// </summary>
internal sealed class ImageIndexer(
    ImageStore images,
    ClipImagePreprocessor preprocessor,
    ClipVisionTower tower,
    ImageHeads heads,
    VectorIndexWriter writer,
    IArtifactStore artifacts,
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
        var embeddings = await images.CachedEmbeddingsAsync(ids, cancellationToken).ConfigureAwait(false);
        var failures = new Dictionary<long, string>();
        var (fromCrops, decoded) = (0, 0);

        // Local files for the batch: the store's own files, or downloads deleted when the batch is done.
        var toEmbed = new List<(ImageRow Row, ImageInput Input)>();
        var local = new List<LocalArtifact>();
        try
        {
            foreach (var row in rows.Where(r => !embeddings.ContainsKey(r.Id)))
            {
                var crop = await CropAsync(row, cancellationToken).ConfigureAwait(false);
                if (crop is not null)
                {
                    local.Add(crop);
                    if (ClipImagePreprocessor.IsWholeCrop(new FileInfo(crop.Path).Length))
                    {
                        // A whole crop is all CLIP reads: the image itself (maybe many MB from S3) is not fetched.
                        toEmbed.Add((row, new ImageInput(row.ImageUri, crop.Path)));
                        continue;
                    }
                }
                try
                {
                    var image = await artifacts.FetchAsync(row.ImageUri, cancellationToken).ConfigureAwait(false);
                    local.Add(image);
                    toEmbed.Add((row, new ImageInput(image.Path, crop?.Path)));
                }
                catch (Exception e) when (e is NotSupportedException or FileNotFoundException)
                {
                    failures[row.Id] = crop is null ? e.Message : $"{e.Message} Its stored CLIP crop is not a whole crop either.";
                }
            }
            if (toEmbed.Count > 0)
            {
                var batch = await preprocessor.PreprocessAsync(toEmbed.Select(t => t.Input).ToList(), cancellationToken).ConfigureAwait(false);
                var withCrop = toEmbed.Count(t => t.Input.CropPath is not null);
                (fromCrops, decoded) = (batch.CropsRead, toEmbed.Count - batch.CropsRead);
                if (batch.CropsRead < withCrop)
                {
                    logger.LogWarning("{Unreadable} of {WithCrop} stored CLIP crops were missing or malformed; those images were decoded instead", withCrop - batch.CropsRead, withCrop);
                }
                foreach (var failure in batch.Failures)
                {
                    failures[toEmbed[failure.Index].Row.Id] = failure.Reason;
                }
                var computed = tower.Embed(batch.PixelValues, batch.Count);
                var fresh = new List<(long, ReadOnlyMemory<float>)>();
                for (var i = 0; i < batch.Count; i++)
                {
                    var id = toEmbed[batch.SourceIndex[i]].Row.Id;
                    var embedding = computed.ProjectedRow(i);
                    embeddings[id] = embedding.ToArray();
                    fresh.Add((id, embedding));
                }
                await images.SaveEmbeddingsAsync(fresh, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var file in local)
            {
                file.Dispose();
            }
        }

        var embedded = rows.Where(r => embeddings.ContainsKey(r.Id)).Select(r => r.Id).ToArray();
        var cached = embedded.Select(id => (id, embeddings[id])).ToList();
        var written = await writer.UpsertImageVectorsForLiveVersionsAsync(version => heads.VectorsAsync(version, cached, cancellationToken), cancellationToken).ConfigureAwait(false);
        await images.MarkEmbeddedAsync(embedded, cancellationToken).ConfigureAwait(false);
        foreach (var (id, reason) in failures)
        {
            logger.LogWarning("Image {ImageId} failed: {Reason}", id, reason);
            await images.MarkFailedAsync(id, reason, cancellationToken).ConfigureAwait(false);
        }
        return new ImageIndexResult(embedded.Length, fromCrops, decoded, failures.Count, written.RowsChanged, written.Versions);
    }

    /// <summary>The row's stored crop as a local file; null when it has none or it cannot be read (the image is decoded instead).</summary>
    private async Task<LocalArtifact?> CropAsync(ImageRow row, CancellationToken cancellationToken)
    {
        if (row.ClipCropUri is null)
        {
            return null;
        }
        try
        {
            return await artifacts.FetchAsync(row.ClipCropUri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NotSupportedException or FileNotFoundException)
        {
            return null;
        }
    }
}
