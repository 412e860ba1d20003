namespace BrewClip.ImageEmbedding;

internal sealed record ImageIndexResult(int Embedded, int Failed, int VectorsWritten, int ModelVersion);
