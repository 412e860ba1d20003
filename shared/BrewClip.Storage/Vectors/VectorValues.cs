using Pgvector;

namespace BrewClip.Storage.Vectors;

/// <summary>Our float vectors as Pgvector's types, and back.</summary>
public static class VectorValues
{
    /// <summary>A <c>vector</c> parameter or COPY value.</summary>
    public static Vector ToVector(ReadOnlyMemory<float> values) => new(values);

    /// <summary>A <c>halfvec</c> value: each element rounded to float16, as the index stores it.</summary>
    public static HalfVector ToHalfVector(ReadOnlySpan<float> values)
    {
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }
        return new HalfVector(halves);
    }

    /// <summary>A value read from a <c>vector</c> or <c>halfvec</c> column as floats.</summary>
    public static float[] ToFloats(object value) => value switch
    {
        Vector vector => vector.ToArray(),
        HalfVector half => Array.ConvertAll(half.ToArray(), h => (float)h),
        _ => throw new InvalidCastException($"A {value.GetType().Name} is not a pgvector vector or halfvec."),
    };
}
