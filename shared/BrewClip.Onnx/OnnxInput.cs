using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BrewClip.Onnx;

/// <summary>A named input tensor over memory the caller owns; it is pinned, not copied, while a run uses it.</summary>
public sealed class OnnxInput
{
    private readonly Func<OrtValue> _value;

    private OnnxInput(string name, TensorElementType type, long[] shape, int count, Func<OrtValue> value)
    {
        var expected = shape.Aggregate(1L, (a, d) => a * d);
        if (shape.Any(d => d < 0) || expected != count)
        {
            throw new ArgumentException($"Input '{name}' has {count} values, which does not fill shape [{string.Join(", ", shape)}].");
        }
        Name = name;
        ElementType = type;
        Shape = shape;
        _value = value;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    /// <summary>An OrtValue over the input's memory, for one run; the caller disposes it.</summary>
    internal OrtValue ToOrtValue() => _value();

    public static OnnxInput Float(string name, ReadOnlyMemory<float> values, params long[] shape)
        => Over(name, TensorElementType.Float, values, shape);

    public static OnnxInput Int64(string name, ReadOnlyMemory<long> values, params long[] shape)
        => Over(name, TensorElementType.Int64, values, shape);

    public static OnnxInput Bool(string name, ReadOnlyMemory<bool> values, params long[] shape)
        => Over(name, TensorElementType.Bool, values, shape);

    /// <summary>float16 values: ONNX Runtime's Float16 is the same 16 bits as <see cref="Half"/>, so the memory is reinterpreted, not converted.</summary>
    public static OnnxInput Float16(string name, ReadOnlyMemory<Half> values, params long[] shape)
        => new(name, TensorElementType.Float16, shape, values.Length, () =>
        {
            var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float16, shape);
            MemoryMarshal.AsBytes(values.Span).CopyTo(value.GetTensorMutableRawData());
            return value;
        });

    private static OnnxInput Over<T>(string name, TensorElementType type, ReadOnlyMemory<T> values, long[] shape) where T : unmanaged
        => new(name, type, shape, values.Length,
            () => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(values), shape));
}
