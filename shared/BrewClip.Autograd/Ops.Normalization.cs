using System.Numerics.Tensors;

namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>Layer normalisation over the last dimension: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = 1e-5f)
    {
        var (rows, n) = LastDim(x);
        if (gamma.Size != n || beta.Size != n)
        {
            throw new ArgumentException($"LayerNorm over {n} features needs gamma and beta of {n}; got {gamma.Size} and {beta.Size}.");
        }
        var values = ValuesOf(x);
        var g = ValuesOf(gamma);
        var b = ValuesOf(beta);
        var data = new float[x.Size];
        var normalized = new float[x.Size];
        var rstd = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * n, n);
            var mean = TensorPrimitives.Sum(row) / n;
            var xhat = normalized.AsSpan(r * n, n);
            TensorPrimitives.Subtract(row, mean, xhat);
            var variance = TensorPrimitives.Dot(xhat, xhat) / n;
            rstd[r] = 1 / MathF.Sqrt(variance + eps);
            TensorPrimitives.Multiply(xhat, rstd[r], xhat);
            var y = data.AsSpan(r * n, n);
            TensorPrimitives.FusedMultiplyAdd(xhat, g.AsSpan(0, n), b.AsSpan(0, n), y);
        }
        return Result(data, (int[])x.Shape.Clone(), [x, gamma, beta], grad =>
        {
            var dgamma = gamma.RequiresGrad ? new float[n] : null;
            var dbeta = beta.RequiresGrad ? new float[n] : null;
            var dx = x.RequiresGrad ? new float[x.Size] : null;
            var dxhat = new float[n];
            var scratch = new float[n];
            for (var r = 0; r < rows; r++)
            {
                var gr = grad.AsSpan(r * n, n);
                var xhat = normalized.AsSpan(r * n, n);
                if (dgamma is not null)
                {
                    TensorPrimitives.Multiply(gr, xhat, scratch);
                    TensorPrimitives.Add(dgamma, scratch, dgamma);
                }
                if (dbeta is not null)
                {
                    TensorPrimitives.Add(dbeta, gr, dbeta);
                }
                if (dx is not null)
                {
                    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
                    TensorPrimitives.Multiply(gr, g.AsSpan(0, n), dxhat);
                    var meanD = TensorPrimitives.Sum(dxhat) / n;
                    var meanDx = TensorPrimitives.Dot(dxhat, xhat) / n;
                    var dst = dx.AsSpan(r * n, n);
                    TensorPrimitives.Multiply(xhat, -meanDx, dst);
                    TensorPrimitives.Add(dst, dxhat, dst);
                    TensorPrimitives.Subtract(dst, meanD, dst);
                    TensorPrimitives.Multiply(dst, rstd[r], dst);
                }
            }
            if (dx is not null)
            {
                x.AdoptGrad(dx);
            }
            if (dgamma is not null)
            {
                gamma.AdoptGrad(dgamma);
            }
            if (dbeta is not null)
            {
                beta.AdoptGrad(dbeta);
            }
        });
    }

    /// <summary>Rows scaled to unit L2 norm over the last dimension: x / max(‖x‖, eps).</summary>
    public static Tensor L2Normalize(Tensor x, float eps = 1e-12f)
    {
        var (rows, n) = LastDim(x);
        var values = ValuesOf(x);
        var data = new float[x.Size];
        var norms = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * n, n);
            norms[r] = MathF.Max(TensorPrimitives.Norm(row), eps);
            TensorPrimitives.Divide(row, norms[r], data.AsSpan(r * n, n));
        }
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            // dx = (g - y <g, y>) / ‖x‖ (where the norm was clamped, y·g term still applies to the clamped value)
            var back = new float[x.Size];
            for (var r = 0; r < rows; r++)
            {
                var y = data.AsSpan(r * n, n);
                var gr = g.AsSpan(r * n, n);
                var dst = back.AsSpan(r * n, n);
                var dot = TensorPrimitives.Dot(gr, y);
                TensorPrimitives.Multiply(y, -dot, dst);
                TensorPrimitives.Add(dst, gr, dst);
                TensorPrimitives.Divide(dst, norms[r], dst);
            }
            x.AdoptGrad(back);
        });
    }

    /// <summary>
    /// Inverted dropout: zeroes each element with probability <paramref name="p"/> and scales the rest by
    /// 1/(1-p), drawing from <paramref name="random"/> so a seeded run repeats exactly.
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, Random random)
    {
        if (p is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), "Dropout probability must be in [0, 1).");
        }
        if (p == 0)
        {
            return x;
        }
        var values = ValuesOf(x);
        var mask = new float[x.Size];
        var keep = 1 / (1 - p);
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextSingle() < p ? 0 : keep;
        }
        var data = new float[x.Size];
        TensorPrimitives.Multiply(values.AsSpan(0, x.Size), mask, data);
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = new float[g.Length];
            TensorPrimitives.Multiply(g, mask, back);
            x.AdoptGrad(back);
        });
    }

    /// <summary>Rows of <paramref name="weight"/> [vocabulary, dim] picked by <paramref name="indices"/>; the result has shape <paramref name="indexShape"/> + [dim].</summary>
    public static Tensor Embedding(Tensor weight, int[] indices, params int[] indexShape)
    {
        if (weight.Rank != 2)
        {
            throw new ArgumentException($"Embedding weight must be [vocabulary, dim]; got {Shapes.Format(weight.Shape)}.");
        }
        if (Shapes.Size(indexShape) != indices.Length)
        {
            throw new ArgumentException($"{indices.Length} indices do not fill shape {Shapes.Format(indexShape)}.");
        }
        var (vocabulary, dim) = (weight.Shape[0], weight.Shape[1]);
        var table = ValuesOf(weight);
        var data = new float[indices.Length * dim];
        for (var i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)vocabulary)
            {
                throw new IndexOutOfRangeException($"Embedding index {indices[i]} is outside a vocabulary of {vocabulary}.");
            }
            table.AsSpan(indices[i] * dim, dim).CopyTo(data.AsSpan(i * dim, dim));
        }
        return Result(data, indexShape.Append(dim).ToArray(), [weight], g =>
        {
            var back = weight.GradTarget();
            for (var i = 0; i < indices.Length; i++)
            {
                var dst = back.AsSpan(indices[i] * dim, dim);
                TensorPrimitives.Add(dst, g.AsSpan(i * dim, dim), dst);
            }
        });
    }

    /// <summary>
    /// Sets entries to <paramref name="value"/> where <paramref name="mask"/> (shape <paramref name="maskShape"/>,
    /// broadcast to x's shape) is true; no gradient flows to those entries. For attention masks, value is -∞.
    /// </summary>
    public static Tensor MaskedFill(Tensor x, bool[] mask, int[] maskShape, float value)
    {
        if (Shapes.Size(maskShape) != mask.Length)
        {
            throw new ArgumentException($"A mask of {mask.Length} values does not fill shape {Shapes.Format(maskShape)}.");
        }
        var shape = Shapes.Broadcast(x.Shape, maskShape);
        if (!shape.AsSpan().SequenceEqual(x.Shape))
        {
            throw new ArgumentException($"Mask shape {Shapes.Format(maskShape)} does not broadcast to {Shapes.Format(x.Shape)}.");
        }
        var masked = new bool[x.Size];
        var strides = Shapes.BroadcastStrides(maskShape, shape);
        var index = new int[shape.Length];
        for (var i = 0; i < masked.Length; i++)
        {
            var m = 0;
            for (var d = 0; d < shape.Length; d++)
            {
                m += index[d] * strides[d];
            }
            masked[i] = mask[m];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }
                index[d] = 0;
            }
        }
        var data = ValuesOf(x).AsSpan(0, x.Size).ToArray();
        for (var i = 0; i < data.Length; i++)
        {
            if (masked[i])
            {
                data[i] = value;
            }
        }
        return Result(data, (int[])x.Shape.Clone(), [x], g =>
        {
            var back = (float[])g.Clone();
            for (var i = 0; i < back.Length; i++)
            {
                if (masked[i])
                {
                    back[i] = 0;
                }
            }
            x.AdoptGrad(back);
        });
    }
}
