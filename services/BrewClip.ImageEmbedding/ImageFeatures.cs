using BrewClip.Models.Clip;
using BrewClip.Storage.Artifacts;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// CLIP image embeddings of images, by the CLIP this service runs: cached ones are read, the others computed (from the
/// stored crop when it is whole, else the image decoded) in one tower run and cached. Used for new images and, for a
/// base version of a new CLIP, for every image the index holds. A bad image fails alone.
/// </summary>
internal sealed class ImageFeatures(
    ImageStore images,
    ClipImagePreprocessor preprocessor,
    ClipVisionTower tower,
    IArtifactStore artifacts,
    ILogger<ImageFeatures> logger)
{
    /// <summary>Each row's embedding (or why it has none), and how many were read from crops or decoded.</summary>
    public async Task<(Dictionary<long, float[]> Embeddings, Dictionary<long, string> Failures, int FromCrops, int Decoded)> EnsureAsync(
        IReadOnlyList<ImageRow> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToArray();
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

        return (embeddings, failures, fromCrops, decoded);
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
