using System.Buffers;

namespace BrewClip.Onnx;

/// <summary>
/// A named input over caller-owned memory: ONNX Runtime reads it in place (pinned for the duration of
/// the run), without a copy.
/// </summary>
public sealed class OnnxInput
{
    private readonly Func<MemoryHandle> _pin;

    private OnnxInput(string name, TensorElementType type, long[] shape, int count, int elementSize, Func<MemoryHandle> pin)
    {
        var expected = shape.Aggregate(1L, (a, d) => a * d);
        if (shape.Any(d => d < 0) || expected != count)
        {
            throw new ArgumentException($"Input '{name}' has {count} values, which does not fill shape [{string.Join(", ", shape)}].");
        }
        Name = name;
        ElementType = type;
        Shape = shape;
        ByteLength = (nuint)((long)count * elementSize);
        _pin = pin;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    internal nuint ByteLength { get; }

    internal MemoryHandle Pin() => _pin();

    public static OnnxInput Float(string name, ReadOnlyMemory<float> values, params long[] shape)
        => new(name, TensorElementType.Float, shape, values.Length, sizeof(float), values.Pin);

    public static OnnxInput Float16(string name, ReadOnlyMemory<Half> values, params long[] shape)
        => new(name, TensorElementType.Float16, shape, values.Length, 2, values.Pin);

    public static OnnxInput Int64(string name, ReadOnlyMemory<long> values, params long[] shape)
        => new(name, TensorElementType.Int64, shape, values.Length, sizeof(long), values.Pin);

    public static OnnxInput Bool(string name, ReadOnlyMemory<bool> values, params long[] shape)
        => new(name, TensorElementType.Bool, shape, values.Length, sizeof(bool), values.Pin);
}
