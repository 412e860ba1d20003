namespace BrewClip.ImageEmbedding;

/// <summary>What one batch did: images embedded (from the cache or by CLIP), of those run through CLIP how many
/// were read from Ingest's stored crops and how many decoded, failures, vector rows changed, and the live versions written.</summary>
internal sealed record ImageIndexResult(int Embedded, int FromCrops, int Decoded, int Failed, int VectorsWritten, IReadOnlyList<int> ModelVersions);
