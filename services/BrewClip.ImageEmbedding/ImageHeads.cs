using System.Collections.Concurrent;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;

namespace BrewClip.ImageEmbedding;

/// <summary>The image head of each model version, loaded once: version 0 is CLIP's own embedding.</summary>
internal sealed class ImageHeads(int embeddingSize)
{
    private readonly ConcurrentDictionary<int, ImageHead> _heads = new();

    public ImageHead For(ModelVersion version) => _heads.GetOrAdd(version.Version, _ => version.ArtifactUri is null
        ? ImageHead.Identity(embeddingSize)
        : ImageHead.Load(ArtifactPaths.ToLocalPath(version.ArtifactUri)));
}
