using System.Numerics.Tensors;

namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>Mean cross-entropy of logits [N, C] against class indices; -∞ logits are classes that cannot be chosen.</summary>
    public static Tensor CrossEntropy(Tensor logits, int[] targets)
    {
        if (logits.Rank != 2 || logits.Shape[0] != targets.Length)
        {
            throw new ArgumentException($"CrossEntropy needs logits [N, C] with N = {targets.Length} targets; got {Shapes.Format(logits.Shape)}.");
        }
        var (rows, n) = (logits.Shape[0], logits.Shape[1]);
        var values = ValuesOf(logits);
        var logProbs = new float[logits.Size];
        var loss = 0.0;
        for (var r = 0; r < rows; r++)
        {
            if ((uint)targets[r] >= (uint)n)
            {
                throw new IndexOutOfRangeException($"Target {targets[r]} is not one of {n} classes.");
            }
            var row = logProbs.AsSpan(r * n, n);
            LogSoftmaxRow(values.AsSpan(r * n, n), row);
            loss -= row[targets[r]];
        }
        return Result([(float)(loss / rows)], [], [logits], g =>
        {
            // d/dlogits = (softmax - onehot) / N
            var back = new float[logits.Size];
            var scale = g[0] / rows;
            for (var r = 0; r < rows; r++)
            {
                var dst = back.AsSpan(r * n, n);
                TensorPrimitives.Exp(logProbs.AsSpan(r * n, n), dst);
                dst[targets[r]] -= 1;
                TensorPrimitives.Multiply(dst, scale, dst);
            }
            logits.AdoptGrad(back);
        });
    }

    /// <summary>
    /// Symmetric InfoNCE (CLIP's loss) between row-aligned embeddings a[i] and b[i], both [N, D] and
    /// normalised: logits = exp(logScale) · a bᵀ, then cross-entropy both ways with the diagonal as the
    /// target, averaged. The temperature is learnable through <paramref name="logScale"/> (CLIP starts at
    /// ln(1/0.07) and caps the scale at 100). Where <paramref name="excludeNegatives"/> [N·N] is true,
    /// pair (i, j) is not used as a negative: pass <see cref="SharedItemMask"/> when rows can share an item.
    /// </summary>
    public static Tensor SymmetricInfoNce(Tensor a, Tensor b, Tensor logScale, bool[]? excludeNegatives = null)
    {
        if (a.Rank != 2 || !a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"InfoNCE needs two [N, D] tensors of one shape; got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        }
        var n = a.Shape[0];
        var scale = Exp(Clamp(logScale, float.NegativeInfinity, MathF.Log(100f)));
        var logits = Multiply(MatMul(a, Transpose(b)), scale);
        if (excludeNegatives is not null)
        {
            if (excludeNegatives.Length != n * n)
            {
                throw new ArgumentException($"The negatives mask must be N·N = {n * n} values; got {excludeNegatives.Length}.");
            }
            var mask = (bool[])excludeNegatives.Clone();
            for (var i = 0; i < n; i++)
            {
                // The positive pair is never masked.
                mask[i * n + i] = false;
            }
            logits = MaskedFill(logits, mask, [n, n], float.NegativeInfinity);
        }
        var targets = Enumerable.Range(0, n).ToArray();
        var aToB = CrossEntropy(logits, targets);
        var bToA = CrossEntropy(Transpose(logits).Contiguous(), targets);
        return Scale(Add(aToB, bToA), 0.5f);
    }

    /// <summary>True at (i, j), i ≠ j, where rows i and j belong to the same item (for example share an image).</summary>
    public static bool[] SharedItemMask<T>(IReadOnlyList<T> items)
    {
        var n = items.Count;
        var mask = new bool[n * n];
        var comparer = EqualityComparer<T>.Default;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                mask[i * n + j] = i != j && comparer.Equals(items[i], items[j]);
            }
        }
        return mask;
    }
}
