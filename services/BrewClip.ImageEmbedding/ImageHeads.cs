using System.Collections.Concurrent;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// The image head of each model version, loaded once: version 0 is CLIP's own embedding. Needs no model of its
/// own, so the backfill can be built before the vision tower is loaded.
/// </summary>
internal sealed class ImageHeads
{
    private readonly ConcurrentDictionary<int, ImageHead> _heads = new();

    /// <summary>The version's head; <paramref name="embeddingSize"/> is CLIP's (the identity head of version 0 has no weights to say it).</summary>
    public ImageHead For(ModelVersion version, int embeddingSize) => _heads.GetOrAdd(version.Version, _ => version.ArtifactUri is null
        ? ImageHead.Identity(embeddingSize)
        : ImageHead.Load(ArtifactPaths.ToLocalPath(version.ArtifactUri)));

    /// <summary>A version's vectors of cached CLIP embeddings.</summary>
    public List<ImageVector> Vectors(ModelVersion version, IReadOnlyList<(long Id, float[] Embedding)> rows)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var head = For(version, rows[0].Embedding.Length);
        var flat = new float[rows.Count * head.Size];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Embedding.CopyTo(flat.AsSpan(i * head.Size, head.Size));
        }
        var vectors = head.Apply(flat);
        return rows.Select((row, i) => new ImageVector(row.Id, vectors.AsMemory(i * head.Size, head.Size))).ToList();
    }
}
