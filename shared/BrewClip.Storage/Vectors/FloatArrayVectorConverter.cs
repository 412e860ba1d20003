namespace BrewClip.Storage.Vectors;

internal sealed class FloatArrayVectorConverter(VectorEncoding encoding) : PgVectorConverter<float[]>(encoding)
{
    protected override ReadOnlyMemory<float> AsMemory(float[] value) => value;

    protected override float[] FromArray(float[] values) => values;
}
