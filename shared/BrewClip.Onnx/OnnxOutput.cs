using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BrewClip.Onnx;

/// <summary>One output tensor of a run, readable until its <see cref="OnnxOutputs"/> is disposed.</summary>
public sealed class OnnxOutput
{
    private readonly OnnxOutputs _owner;
    private readonly OrtValue _value;

    internal OnnxOutput(OnnxOutputs owner, string name, OrtValue value)
    {
        _owner = owner;
        _value = value;
        Name = name;
        var info = value.GetTensorTypeAndShape();
        ElementType = info.ElementDataType;
        Shape = info.Shape;
        Count = checked((int)info.ElementCount);
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    public int Count { get; }

    public ReadOnlySpan<float> AsFloats() => Data<float>(TensorElementType.Float);

    public ReadOnlySpan<Half> AsHalfs() => MemoryMarshal.Cast<Float16, Half>(Data<Float16>(TensorElementType.Float16));

    public ReadOnlySpan<long> AsInt64s() => Data<long>(TensorElementType.Int64);

    /// <summary>Copies float or float16 values as floats.</summary>
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

    private ReadOnlySpan<T> Data<T>(TensorElementType requested) where T : unmanaged
    {
        _owner.ThrowIfDisposed();
        if (requested != ElementType)
        {
            throw new InvalidOperationException($"Output '{Name}' holds {ElementType}, not {requested}.");
        }
        return _value.GetTensorDataAsSpan<T>();
    }
}
