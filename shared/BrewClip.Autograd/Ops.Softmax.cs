using System.Numerics.Tensors;

namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>Softmax over the last dimension. Entries of -∞ get probability 0; a row of only -∞ gives zeros.</summary>
    public static Tensor Softmax(Tensor x)
    {
        var (rows, n) = LastDim(x);
        var values = ValuesOf(x);
        var data = new float[x.Size];
        ForRows(rows, n, r => SoftmaxRow(values.AsSpan(r * n, n), data.AsSpan(r * n, n)));
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            // dx = y * (g - <g, y>)
            var back = new float[x.Size];
            ForRows(rows, n, r =>
            {
                var y = data.AsSpan(r * n, n);
                var gr = g.AsSpan(r * n, n);
                var dot = TensorPrimitives.Dot(gr, y);
                var dst = back.AsSpan(r * n, n);
                TensorPrimitives.Subtract(gr, dot, dst);
                TensorPrimitives.Multiply(dst, y, dst);
            });
            x.AdoptGrad(back);
        });
    }

    /// <summary>Log-softmax over the last dimension, computed stably (x - max - log Σ exp(x - max)).</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        var (rows, n) = LastDim(x);
        var values = ValuesOf(x);
        var data = new float[x.Size];
        for (var r = 0; r < rows; r++)
        {
            LogSoftmaxRow(values.AsSpan(r * n, n), data.AsSpan(r * n, n));
        }
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            // dx = g - softmax * Σ g
            var back = new float[x.Size];
            for (var r = 0; r < rows; r++)
            {
                var gr = g.AsSpan(r * n, n);
                var total = TensorPrimitives.Sum(gr);
                var dst = back.AsSpan(r * n, n);
                TensorPrimitives.Exp(data.AsSpan(r * n, n), dst);
                TensorPrimitives.Multiply(dst, -total, dst);
                TensorPrimitives.Add(dst, gr, dst);
            }
            x.AdoptGrad(back);
        });
    }

    /// <summary>
    /// Runs a row operation over every row, on several threads when there is enough work (attention scores
    /// of a batch are millions of values); rows are independent, so the result is the same either way.
    /// </summary>
    internal static void ForRows(int rows, int n, Action<int> row)
    {
        const int minimumPerThread = 1 << 16;
        var total = (long)rows * n;
        if (total < 2 * minimumPerThread || Environment.ProcessorCount == 1)
        {
            for (var r = 0; r < rows; r++)
            {
                row(r);
            }
            return;
        }
        var chunks = (int)Math.Min(Environment.ProcessorCount * 4L, total / minimumPerThread);
        var perChunk = (rows + chunks - 1) / chunks;
        Parallel.For(0, chunks, c =>
        {
            for (var r = c * perChunk; r < Math.Min(rows, (c + 1) * perChunk); r++)
            {
                row(r);
            }
        });
    }

    internal static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        var max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max))
        {
            y.Clear();
            return;
        }
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
    }

    internal static void LogSoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        var max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max))
        {
            y.Fill(float.NegativeInfinity);
            return;
        }
        TensorPrimitives.Subtract(x, max, y);
        var logSum = 0f;
        foreach (var v in y)
        {
            logSum += MathF.Exp(v);
        }
        TensorPrimitives.Subtract(y, MathF.Log(logSum), y);
    }

    private static (int Rows, int N) LastDim(Tensor x)
    {
        if (x.Rank == 0)
        {
            throw new ArgumentException("This op works over the last dimension; a scalar has none.");
        }
        var n = x.Shape[^1];
        return (n == 0 ? 0 : x.Size / n, n);
    }
}
