namespace BrewClip.Onnx;

/// <summary>One output of a run: its shape and a view of ONNX Runtime's buffer, valid until the <see cref="OnnxOutputs"/> is disposed.</summary>
public sealed unsafe class OnnxOutput
{
    private readonly OnnxOutputs _owner;
    private readonly void* _data;

    internal OnnxOutput(OnnxOutputs owner, string name, TensorElementType type, long[] shape, void* data)
    {
        _owner = owner;
        Name = name;
        ElementType = type;
        Shape = shape;
        _data = data;
        Count = checked((int)shape.Aggregate(1L, (a, d) => a * d));
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    public int Count { get; }

    public ReadOnlySpan<float> AsFloats() => new(Data(TensorElementType.Float), Count);

    public ReadOnlySpan<Half> AsHalfs() => new(Data(TensorElementType.Float16), Count);

    public ReadOnlySpan<long> AsInt64s() => new(Data(TensorElementType.Int64), Count);

    /// <summary>The values as float32 (widened from float16 when the output is float16), copied into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (ElementType == TensorElementType.Float16)
        {
            var halfs = AsHalfs();
            for (var i = 0; i < halfs.Length; i++)
            {
                destination[i] = (float)halfs[i];
            }
        }
        else
        {
            AsFloats().CopyTo(destination);
        }
    }

    public float[] ToFloatArray()
    {
        var values = new float[Count];
        CopyTo(values);
        return values;
    }

    private void* Data(TensorElementType requested)
    {
        _owner.ThrowIfDisposed();
        if (requested != ElementType)
        {
            throw new InvalidOperationException($"Output '{Name}' holds {ElementType}, not {requested}.");
        }
        return _data;
    }
}
