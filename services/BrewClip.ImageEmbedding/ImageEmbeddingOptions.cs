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
}
