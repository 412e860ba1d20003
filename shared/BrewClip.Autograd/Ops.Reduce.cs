using System.Numerics.Tensors;

namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>The sum of every element, as a scalar.</summary>
    public static Tensor Sum(Tensor x)
    {
        var values = ValuesOf(x);
        var total = TensorPrimitives.Sum(values.AsSpan(0, x.Size));
        return Result([total], [], [x], g =>
        {
            var back = new float[x.Size];
            Array.Fill(back, g[0]);
            x.AdoptGrad(back);
        });
    }

    /// <summary>The mean of every element, as a scalar.</summary>
    public static Tensor Mean(Tensor x) => Scale(Sum(x), 1f / x.Size);

    /// <summary>Sums over one dimension, keeping it with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => Reduce(x, axis, keepDim, 1f);

    /// <summary>Averages over one dimension, keeping it with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDim = false)
        => Reduce(x, axis, keepDim, 1f / x.Shape[Shapes.NormalizeAxis(axis, x.Rank)]);

    private static Tensor Reduce(Tensor x, int axis, bool keepDim, float factor)
    {
        var d = Shapes.NormalizeAxis(axis, x.Rank);
        var (outer, n, inner) = Split(x.Shape, d);
        var values = ValuesOf(x);
        var data = new float[outer * inner];
        for (var o = 0; o < outer; o++)
        {
            var dst = data.AsSpan(o * inner, inner);
            if (inner == 1)
            {
                dst[0] = TensorPrimitives.Sum(values.AsSpan(o * n, n));
            }
            else
            {
                for (var j = 0; j < n; j++)
                {
                    TensorPrimitives.Add(dst, values.AsSpan((o * n + j) * inner, inner), dst);
                }
            }
        }
        if (factor != 1)
        {
            TensorPrimitives.Multiply(data, factor, data);
        }
        var shape = keepDim
            ? x.Shape.Select((s, i) => i == d ? 1 : s).ToArray()
            : x.Shape.Where((_, i) => i != d).ToArray();
        return Result(data, shape, [x], g =>
        {
            var back = new float[x.Size];
            for (var o = 0; o < outer; o++)
            {
                var src = g.AsSpan(o * inner, inner);
                for (var j = 0; j < n; j++)
                {
                    TensorPrimitives.Multiply(src, factor, back.AsSpan((o * n + j) * inner, inner));
                }
            }
            x.AdoptGrad(back);
        });
    }

    private static (int Outer, int N, int Inner) Split(int[] shape, int axis)
    {
        var outer = 1;
        for (var i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }
        var inner = 1;
        for (var i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }
        return (outer, shape[axis], inner);
    }
}
