namespace BrewClip.ImageEmbedding;

/// <summary>An image row: its stored image, and Ingest's ready-made CLIP crop of it when there is one.</summary>
internal sealed record ImageRow(long Id, string ImageUri, string? ClipCropUri, string Stage);
