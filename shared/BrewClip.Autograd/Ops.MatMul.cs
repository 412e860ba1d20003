using BrewClip.Autograd.Gemm;

namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Matrix product over the last two dimensions, [..., m, k] x [..., k, n] -> [..., m, n], with the
    /// leading (batch) dimensions broadcast. Transposed views are multiplied in place, without a copy.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank < 2 || b.Rank < 2)
        {
            throw new ArgumentException($"MatMul needs rank 2 or more; got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        }
        var (m, k) = (a.Shape[^2], a.Shape[^1]);
        var (k2, n) = (b.Shape[^2], b.Shape[^1]);
        if (k != k2)
        {
            throw new ArgumentException($"MatMul: {Shapes.Format(a.Shape)} x {Shapes.Format(b.Shape)}: inner dimensions {k} and {k2} differ.");
        }
        if (b.Rank == 2 && a.Rank > 2)
        {
            // [..., m, k] x [k, n] is one product with the batch folded into the rows.
            var rows = Reshape(a, -1, k);
            var outShape = a.Shape[..^1].Append(n).ToArray();
            return Reshape(MatMul(rows, b), outShape);
        }

        var batch = Shapes.Broadcast(a.Shape[..^2], b.Shape[..^2]);
        var shape = batch.Append(m).Append(n).ToArray();
        var data = new float[Shapes.Size(shape)];
        BatchedGemm(a, b, batch, data);
        return Result(data, shape, [a, b], g =>
        {
            var grad = new Tensor(g, shape);
            if (a.RequiresGrad)
            {
                var full = batch.Append(m).Append(k).ToArray();
                var ga = new float[Shapes.Size(full)];
                BatchedGemm(grad, TransposedView(b), batch, ga);
                Broadcast.AccumulateReduced(ga, full, a);
            }
            if (b.RequiresGrad)
            {
                var full = batch.Append(k).Append(n).ToArray();
                var gb = new float[Shapes.Size(full)];
                BatchedGemm(TransposedView(a), grad, batch, gb);
                Broadcast.AccumulateReduced(gb, full, b);
            }
        });
    }

    /// <summary>x·Wᵀ + b, with W stored [out, in] as in PyTorch and the ONNX exports.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        var y = MatMul(x, Transpose(weight));
        return bias is null ? y : Add(y, bias);
    }

    private static Tensor TransposedView(Tensor x)
    {
        var shape = (int[])x.Shape.Clone();
        var strides = (int[])x.Strides.Clone();
        (shape[^1], shape[^2]) = (shape[^2], shape[^1]);
        (strides[^1], strides[^2]) = (strides[^2], strides[^1]);
        return new Tensor(x.Storage, x.Offset, shape, strides);
    }

    /// <summary>C[batch] = A[batch] x B[batch] into row-major <paramref name="c"/>, broadcasting batch dimensions.</summary>
    private static void BatchedGemm(Tensor a, Tensor b, int[] batch, float[] c)
    {
        var (m, k, n) = (a.Shape[^2], a.Shape[^1], b.Shape[^1]);
        var opA = Operand.Of(a);
        var opB = Operand.Of(b);
        var count = Shapes.Size(batch);
        var aOffsets = BatchOffsets(opA.Tensor, batch);
        var bOffsets = BatchOffsets(opB.Tensor, batch);
        var backend = GemmBackends.Current;
        var work = (long)m * n * k;
        void One(int i, bool parallel) => backend.Multiply(opA.Transposed, opB.Transposed, m, n, k, 1f,
            opA.Tensor.Storage, aOffsets[i], opA.Ld, opB.Tensor.Storage, bOffsets[i], opB.Ld,
            0f, c, i * m * n, n, parallel);

        if (count > 1 && work < 1 << 21 && backend.SupportsConcurrentCalls)
        {
            Parallel.For(0, count, i => One(i, parallel: false));
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                One(i, parallel: true);
            }
        }
    }

    private static int[] BatchOffsets(Tensor x, int[] batch)
    {
        var count = Shapes.Size(batch);
        var offsets = new int[count];
        var shift = batch.Length - (x.Rank - 2);
        var index = new int[batch.Length];
        for (var i = 0; i < count; i++)
        {
            var offset = x.Offset;
            for (var d = 0; d < batch.Length; d++)
            {
                var own = d - shift;
                if (own >= 0 && x.Shape[own] != 1)
                {
                    offset += index[d] * x.Strides[own];
                }
            }
            offsets[i] = offset;
            for (var d = batch.Length - 1; d >= 0; d--)
            {
                if (++index[d] < batch[d])
                {
                    break;
                }
                index[d] = 0;
            }
        }
        return offsets;
    }

    /// <summary>How GEMM reads a matrix view: row-major, or transposed, with its row stride; copied when neither.</summary>
    private readonly record struct Operand(Tensor Tensor, bool Transposed, int Ld)
    {
        public static Operand Of(Tensor x)
        {
            var (rows, cols) = (x.Shape[^2], x.Shape[^1]);
            var (rowStride, colStride) = (x.Strides[^2], x.Strides[^1]);
            if ((colStride == 1 || cols == 1) && (rowStride >= Math.Max(1, cols) || rows == 1))
            {
                return new Operand(x, false, rows == 1 ? Math.Max(1, cols) : rowStride);
            }
            if ((rowStride == 1 || rows == 1) && (colStride >= Math.Max(1, rows) || cols == 1))
            {
                return new Operand(x, true, cols == 1 ? Math.Max(1, rows) : colStride);
            }
            var copy = new float[x.Size];
            CopyStrided(x.Storage, x.Offset, x.Shape, x.Strides, copy);
            return Of(new Tensor(copy, (int[])x.Shape.Clone()));
        }
    }
}
