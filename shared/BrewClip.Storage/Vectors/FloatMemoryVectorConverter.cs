namespace BrewClip.Storage.Vectors;

internal sealed class FloatMemoryVectorConverter(VectorEncoding encoding) : PgVectorConverter<ReadOnlyMemory<float>>(encoding)
{
    protected override ReadOnlyMemory<float> AsMemory(ReadOnlyMemory<float> value) => value;

    protected override ReadOnlyMemory<float> FromArray(float[] values) => values;
}
