namespace BrewClip.Storage.Vectors;

public readonly record struct ImageVector(long ImageId, ReadOnlyMemory<float> Embedding);
