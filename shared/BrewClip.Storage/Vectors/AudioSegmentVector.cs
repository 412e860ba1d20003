namespace BrewClip.Storage.Vectors;

public readonly record struct AudioSegmentVector(long RecordingId, int SegmentIndex, ReadOnlyMemory<float> Embedding);
