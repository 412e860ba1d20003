namespace BrewClip.Storage.Vectors;

/// <summary>How pgvector stores one element: <c>vector</c> as float32, <c>halfvec</c> as float16.</summary>
public enum VectorEncoding
{
    Float32,
    Float16,
}
