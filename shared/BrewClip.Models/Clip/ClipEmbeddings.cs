namespace BrewClip.Models.Clip;

/// <summary>Row-major [count, size] embeddings as the tower projected them, and the same rows L2-normalised.</summary>
public sealed record ClipEmbeddings(int Count, int Size, float[] Projected, float[] Normalized)
{
    public ReadOnlyMemory<float> Row(int index) => Normalized.AsMemory(index * Size, Size);

    public ReadOnlyMemory<float> ProjectedRow(int index) => Projected.AsMemory(index * Size, Size);

    public static float[] NormalizeRows(float[] values, int size)
    {
        var normalized = new float[values.Length];
        for (var offset = 0; offset < values.Length; offset += size)
        {
            var row = values.AsSpan(offset, size);
            var norm = MathF.Max(System.Numerics.Tensors.TensorPrimitives.Norm(row), 1e-12f);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, normalized.AsSpan(offset, size));
        }
        return normalized;
    }
}
