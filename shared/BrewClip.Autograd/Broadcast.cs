using System.Numerics.Tensors;

namespace BrewClip.Autograd;

/// <summary>
/// Element-wise work over two row-major operands broadcast to one shape, a row of the last dimension
/// at a time so each row is one vectorised call.
/// </summary>
internal static class Broadcast
{
    internal enum Kind
    {
        Add,
        Subtract,
        Multiply,
        Divide,
    }

    public static float[] Apply(Kind kind, float[] a, int[] aShape, float[] b, int[] bShape, int[] outShape)
    {
        var result = new float[Shapes.Size(outShape)];
        var (inner, rows) = RowsOf(outShape);
        var aStrides = Shapes.BroadcastStrides(aShape, outShape);
        var bStrides = Shapes.BroadcastStrides(bShape, outShape);
        var aInner = outShape.Length == 0 ? 0 : aStrides[^1];
        var bInner = outShape.Length == 0 ? 0 : bStrides[^1];
        var aOffsets = Shapes.RowOffsets(outShape, aStrides);
        var bOffsets = Shapes.RowOffsets(outShape, bStrides);
        for (var r = 0; r < rows; r++)
        {
            var o = result.AsSpan(r * inner, inner);
            ApplyRow(kind, a, aOffsets[r], aInner, b, bOffsets[r], bInner, o);
        }
        return result;
    }

    /// <summary>Sums a gradient of <paramref name="fromShape"/> over the broadcast dimensions down to <paramref name="target"/>'s shape.</summary>
    public static void AccumulateReduced(ReadOnlySpan<float> grad, int[] fromShape, Tensor target)
    {
        if (!target.RequiresGrad)
        {
            return;
        }
        if (fromShape.AsSpan().SequenceEqual(target.Shape))
        {
            target.AccumulateGrad(grad);
            return;
        }
        var buffer = target.GradTarget();
        var (inner, rows) = RowsOf(fromShape);
        var strides = Shapes.BroadcastStrides(target.Shape, fromShape);
        var innerStride = fromShape.Length == 0 ? 0 : strides[^1];
        var offsets = Shapes.RowOffsets(fromShape, strides);
        for (var r = 0; r < rows; r++)
        {
            var row = grad.Slice(r * inner, inner);
            if (innerStride == 1)
            {
                var dst = buffer.AsSpan(offsets[r], inner);
                TensorPrimitives.Add(dst, row, dst);
            }
            else
            {
                buffer[offsets[r]] += TensorPrimitives.Sum(row);
            }
        }
    }

    private static (int Inner, int Rows) RowsOf(int[] shape)
    {
        var inner = shape.Length == 0 ? 1 : shape[^1];
        var size = Shapes.Size(shape);
        return (inner, inner == 0 ? 0 : size / inner);
    }

    private static void ApplyRow(Kind kind, float[] a, int aOffset, int aInner, float[] b, int bOffset, int bInner, Span<float> o)
    {
        var n = o.Length;
        if (aInner == 1 && bInner == 1)
        {
            ReadOnlySpan<float> x = a.AsSpan(aOffset, n), y = b.AsSpan(bOffset, n);
            switch (kind)
            {
                case Kind.Add: TensorPrimitives.Add(x, y, o); break;
                case Kind.Subtract: TensorPrimitives.Subtract(x, y, o); break;
                case Kind.Multiply: TensorPrimitives.Multiply(x, y, o); break;
                default: TensorPrimitives.Divide(x, y, o); break;
            }
        }
        else if (aInner == 1)
        {
            ReadOnlySpan<float> x = a.AsSpan(aOffset, n);
            var y = b[bOffset];
            switch (kind)
            {
                case Kind.Add: TensorPrimitives.Add(x, y, o); break;
                case Kind.Subtract: TensorPrimitives.Subtract(x, y, o); break;
                case Kind.Multiply: TensorPrimitives.Multiply(x, y, o); break;
                default: TensorPrimitives.Divide(x, y, o); break;
            }
        }
        else if (bInner == 1)
        {
            var x = a[aOffset];
            ReadOnlySpan<float> y = b.AsSpan(bOffset, n);
            switch (kind)
            {
                case Kind.Add: TensorPrimitives.Add(y, x, o); break;
                case Kind.Subtract: TensorPrimitives.Subtract(x, y, o); break;
                case Kind.Multiply: TensorPrimitives.Multiply(y, x, o); break;
                default: TensorPrimitives.Divide(x, y, o); break;
            }
        }
        else
        {
            var x = a[aOffset];
            var y = b[bOffset];
            o.Fill(kind switch
            {
                Kind.Add => x + y,
                Kind.Subtract => x - y,
                Kind.Multiply => x * y,
                _ => x / y,
            });
        }
    }
}
