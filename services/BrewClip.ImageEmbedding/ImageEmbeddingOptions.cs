using System.ComponentModel.DataAnnotations;

namespace BrewClip.ImageEmbedding;

public sealed class ImageEmbeddingOptions
{
    public const string Section = "ImageEmbedding";

    /// <summary>Images embedded in one model run.</summary>
    [Range(1, 512)]
    public int BatchSize { get; set; } = 32;

    /// <summary>How long a batch waits to fill before it runs anyway.</summary>
    [Range(1, 60_000)]
    public int BatchWaitMs { get; set; } = 500;

    /// <summary>
    /// Keep the 224x224 crops Ingest stored once an image's CLIP embedding is cached. By default they are
    /// deleted then (150 KB an image): promotions re-embed from the cached embeddings, and a CLIP rerun
    /// would decode the stored image instead.
    /// </summary>
    public bool KeepClipCrops { get; set; }
}
