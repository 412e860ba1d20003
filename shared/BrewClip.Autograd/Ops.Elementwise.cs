using System.Numerics.Tensors;

namespace BrewClip.Autograd;

public static partial class Ops
{
    private static readonly float InvSqrt2 = 1 / MathF.Sqrt(2f);

    public static Tensor Add(Tensor a, Tensor b) => Binary(Broadcast.Kind.Add, a, b);

    public static Tensor Subtract(Tensor a, Tensor b) => Binary(Broadcast.Kind.Subtract, a, b);

    public static Tensor Multiply(Tensor a, Tensor b) => Binary(Broadcast.Kind.Multiply, a, b);

    public static Tensor Divide(Tensor a, Tensor b) => Binary(Broadcast.Kind.Divide, a, b);

    private static Tensor Binary(Broadcast.Kind kind, Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape);
        var av = ValuesOf(a);
        var bv = ValuesOf(b);
        var data = Broadcast.Apply(kind, av, a.Shape, bv, b.Shape, shape);
        return Result(data, shape, [a, b], g =>
        {
            switch (kind)
            {
                case Broadcast.Kind.Add:
                    Broadcast.AccumulateReduced(g, shape, a);
                    Broadcast.AccumulateReduced(g, shape, b);
                    break;
                case Broadcast.Kind.Subtract:
                    Broadcast.AccumulateReduced(g, shape, a);
                    if (b.RequiresGrad)
                    {
                        var negated = new float[g.Length];
                        TensorPrimitives.Negate(g, negated);
                        Broadcast.AccumulateReduced(negated, shape, b);
                    }
                    break;
                case Broadcast.Kind.Multiply:
                    if (a.RequiresGrad)
                    {
                        Broadcast.AccumulateReduced(Broadcast.Apply(Broadcast.Kind.Multiply, g, shape, bv, b.Shape, shape), shape, a);
                    }
                    if (b.RequiresGrad)
                    {
                        Broadcast.AccumulateReduced(Broadcast.Apply(Broadcast.Kind.Multiply, g, shape, av, a.Shape, shape), shape, b);
                    }
                    break;
                default:
                    var gOverB = Broadcast.Apply(Broadcast.Kind.Divide, g, shape, bv, b.Shape, shape);
                    if (a.RequiresGrad)
                    {
                        Broadcast.AccumulateReduced(gOverB, shape, a);
                    }
                    if (b.RequiresGrad)
                    {
                        // d(a/b)/db = -(a/b)/b: -(g/b) * out
                        TensorPrimitives.Multiply(gOverB, data, gOverB);
                        TensorPrimitives.Negate(gOverB, gOverB);
                        Broadcast.AccumulateReduced(gOverB, shape, b);
                    }
                    break;
            }
        });
    }

    public static Tensor Scale(Tensor x, float factor)
    {
        var data = new float[x.Size];
        TensorPrimitives.Multiply(ValuesOf(x).AsSpan(0, x.Size), factor, data);
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            TensorPrimitives.Multiply(g, factor, back);
            x.AdoptGrad(back);
        });
    }

    public static Tensor AddScalar(Tensor x, float value)
    {
        var data = new float[x.Size];
        TensorPrimitives.Add(ValuesOf(x).AsSpan(0, x.Size), value, data);
        return Result(data, (int[])x.Shape.Clone(), [x], g => x.AdoptGrad(g));
    }

    public static Tensor Exp(Tensor x)
    {
        var data = new float[x.Size];
        TensorPrimitives.Exp(ValuesOf(x).AsSpan(0, x.Size), data);
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            TensorPrimitives.Multiply(g, data, back);
            x.AdoptGrad(back);
        });
    }

    public static Tensor Log(Tensor x)
    {
        var values = ValuesOf(x);
        var data = new float[x.Size];
        TensorPrimitives.Log(values.AsSpan(0, x.Size), data);
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            TensorPrimitives.Divide(g, values.AsSpan(0, x.Size), back);
            x.AdoptGrad(back);
        });
    }

    /// <summary>Values limited to [min, max]; the gradient is zero where a limit applied.</summary>
    public static Tensor Clamp(Tensor x, float min, float max)
    {
        var values = ValuesOf(x);
        var data = new float[x.Size];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = Math.Clamp(values[i], min, max);
        }
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            for (var i = 0; i < back.Length; i++)
            {
                back[i] = values[i] < min || values[i] > max ? 0 : g[i];
            }
            x.AdoptGrad(back);
        });
    }

    public static Tensor Relu(Tensor x)
    {
        var values = ValuesOf(x);
        var data = new float[x.Size];
        TensorPrimitives.Max(values.AsSpan(0, x.Size), 0f, data);
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            for (var i = 0; i < back.Length; i++)
            {
                back[i] = values[i] > 0 ? g[i] : 0;
            }
            x.AdoptGrad(back);
        });
    }

    /// <summary>GELU in its exact form, x·Φ(x) = x/2·(1 + erf(x/√2)), as CLIP and Whisper use.</summary>
    public static Tensor Gelu(Tensor x)
    {
        var values = ValuesOf(x);
        var data = new float[x.Size];
        ForChunks(data.Length, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                var v = values[i];
                data[i] = 0.5f * v * (1 + SpecialFunctions.Erf(v * InvSqrt2));
            }
        });
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            var invSqrt2Pi = 1 / MathF.Sqrt(2 * MathF.PI);
            ForChunks(back.Length, (start, end) =>
            {
                for (var i = start; i < end; i++)
                {
                    var v = values[i];
                    var cdf = 0.5f * (1 + SpecialFunctions.Erf(v * InvSqrt2));
                    var pdf = invSqrt2Pi * MathF.Exp(-0.5f * v * v);
                    back[i] = g[i] * (cdf + v * pdf);
                }
            });
            x.AdoptGrad(back);
        });
    }

    /// <summary>Runs <paramref name="body"/> over [0, length) in chunks, on several cores when the work is large.</summary>
    internal static void ForChunks(int length, Action<int, int> body)
    {
        const int chunk = 1 << 16;
        if (length <= 2 * chunk)
        {
            body(0, length);
            return;
        }
        Parallel.For(0, (length + chunk - 1) / chunk, c => body(c * chunk, Math.Min(length, (c + 1) * chunk)));
    }
}
