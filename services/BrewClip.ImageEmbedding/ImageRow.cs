namespace BrewClip.ImageEmbedding;

internal sealed record ImageRow(long Id, string ImageUri, string Stage);
