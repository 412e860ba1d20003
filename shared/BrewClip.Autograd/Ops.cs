namespace BrewClip.Autograd;

/// <summary>
/// Differentiable operations. Each returns a new tensor; when an input requires a gradient and
/// <see cref="GradMode"/> is on, the result records how to pass its gradient back.
/// </summary>
public static partial class Ops
{
    /// <summary>Wraps an op's output, recording <paramref name="backward"/> when gradients are wanted.</summary>
    internal static Tensor Result(float[] data, int[] shape, Tensor[] inputs, Action<float[]> backward)
    {
        var result = new Tensor(data, shape);
        if (GradMode.IsEnabled && Array.Exists(inputs, i => i.RequiresGrad))
        {
            result.RequiresGrad = true;
            result.Node = new GraphNode(inputs, backward);
        }
        return result;
    }

    /// <summary>A view over <paramref name="source"/>'s buffer whose gradient is mapped back by <paramref name="backward"/>.</summary>
    internal static Tensor View(Tensor source, int offset, int[] shape, int[] strides, Action<float[]> backward)
    {
        var view = new Tensor(source.Storage, offset, shape, strides);
        if (GradMode.IsEnabled && source.RequiresGrad)
        {
            view.RequiresGrad = true;
            view.Node = new GraphNode([source], backward);
        }
        return view;
    }

    /// <summary>Copies a strided tensor's values into <paramref name="destination"/> in row-major order.</summary>
    internal static void CopyStrided(float[] source, int offset, int[] shape, int[] strides, Span<float> destination)
    {
        var inner = shape.Length == 0 ? 1 : shape[^1];
        var innerStride = shape.Length == 0 ? 1 : strides[^1];
        var rows = Shapes.RowOffsets(shape, strides);
        for (var row = 0; row < rows.Length; row++)
        {
            var src = offset + rows[row];
            var dst = destination.Slice(row * inner, inner);
            if (innerStride == 1)
            {
                source.AsSpan(src, inner).CopyTo(dst);
            }
            else
            {
                for (var j = 0; j < inner; j++)
                {
                    dst[j] = source[src + j * innerStride];
                }
            }
        }
    }

    /// <summary>Adds row-major <paramref name="values"/> into a strided region of <paramref name="target"/>.</summary>
    internal static void AddStrided(ReadOnlySpan<float> values, float[] target, int offset, int[] shape, int[] strides)
    {
        var inner = shape.Length == 0 ? 1 : shape[^1];
        var innerStride = shape.Length == 0 ? 1 : strides[^1];
        var rows = Shapes.RowOffsets(shape, strides);
        for (var row = 0; row < rows.Length; row++)
        {
            var dst = offset + rows[row];
            var src = values.Slice(row * inner, inner);
            if (innerStride == 1)
            {
                var span = target.AsSpan(dst, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(span, src, span);
            }
            else
            {
                for (var j = 0; j < inner; j++)
                {
                    target[dst + j * innerStride] += src[j];
                }
            }
        }
    }

    internal static float[] ValuesOf(Tensor t) => t.IsContiguous && t.Offset == 0 && t.Storage.Length == t.Size ? t.Storage : t.ToArray();
}
