using BrewClip.Models.Heads;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// The image head of each model version, fetched from the artifact store and loaded once: version 0 is CLIP's own
/// embedding. Needs no model of its own, so the backfill can be built before the vision tower is loaded.
/// </summary>
internal sealed class ImageHeads(IArtifactStore artifacts)
{
    private readonly VersionHeads<ImageHead> _trained = new(artifacts, HeadFolder.ImageFiles, ImageHead.Load);

    /// <summary>A version's vectors of cached CLIP embeddings.</summary>
    public async Task<IReadOnlyList<ImageVector>> VectorsAsync(ModelVersion version, IReadOnlyList<(long Id, float[] Embedding)> rows,
        CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        // The identity head of version 0 has no weights to say its size: it is CLIP's.
        var head = await _trained.GetAsync(version, cancellationToken).ConfigureAwait(false) ?? ImageHead.Identity(rows[0].Embedding.Length);
        var flat = new float[rows.Count * head.Size];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Embedding.CopyTo(flat.AsSpan(i * head.Size, head.Size));
        }
        var vectors = head.Apply(flat);
        return rows.Select((row, i) => new ImageVector(row.Id, vectors.AsMemory(i * head.Size, head.Size))).ToList();
    }
}
