namespace BrewClip.Autograd;

internal static class Shapes
{
    public static int Size(ReadOnlySpan<int> shape)
    {
        var size = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape.ToArray())}].");
            }
            size = checked(size * d);
        }
        return size;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        var stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    public static int[] Broadcast(int[] a, int[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} do not broadcast.");
            }
            result[i] = Math.Max(da, db);
        }
        return result;
    }

    /// <summary>Strides that read a contiguous tensor of <paramref name="shape"/> as if it had <paramref name="target"/>'s shape (0 where broadcast).</summary>
    public static int[] BroadcastStrides(int[] shape, int[] target)
    {
        var strides = new int[target.Length];
        var own = ContiguousStrides(shape);
        var shift = target.Length - shape.Length;
        for (var i = 0; i < target.Length; i++)
        {
            strides[i] = i < shift || shape[i - shift] == 1 ? 0 : own[i - shift];
        }
        return strides;
    }

    public static int NormalizeAxis(int axis, int rank)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for rank {rank}.");
        }
        return normalized;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>
    /// Where each row (a run along the last dimension) of a tensor with <paramref name="shape"/> and
    /// <paramref name="strides"/> starts, relative to its first element, in row-major order.
    /// </summary>
    public static int[] RowOffsets(int[] shape, int[] strides)
    {
        var inner = shape.Length == 0 ? 1 : shape[^1];
        var rows = inner == 0 ? 0 : Size(shape) / inner;
        var offsets = new int[rows];
        var rank = shape.Length;
        var index = new int[Math.Max(rank, 1)];
        var offset = 0;
        for (var r = 0; r < rows; r++)
        {
            offsets[r] = offset;
            // Advance the outer index like an odometer.
            for (var d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d])
                {
                    break;
                }
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return offsets;
    }
}
