using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BrewClip.Autograd.Gemm;

/// <summary>
/// A packed, blocked GEMM in managed code. A and B are copied into panels that the micro-kernel walks
/// sequentially (KC deep); the micro-kernel keeps an MR x NR tile of C in vector registers and does
/// one broadcast-FMA per row and vector per k. AVX-512 gets an 8 x 32 tile, AVX2 a 6 x 16 tile.
/// Row blocks of C are shared out across cores.
/// </summary>
public sealed class ManagedGemm : IGemmBackend
{
    private const int KC = 256;
    private const int MC = 96;

    private static readonly bool Wide = Vector512.IsHardwareAccelerated;
    private static readonly int MR = Wide ? 8 : 6;
    private static readonly int NR = Wide ? 32 : 16;

    public static ManagedGemm Instance { get; } = new();

    public string Name => Wide ? "managed (AVX-512, 8x32)" : "managed (256-bit, 6x16)";

    public bool SupportsConcurrentCalls => true;

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float beta, float[] c, int cOffset, int ldc, bool parallel)
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        ScaleC(beta, m, n, c, cOffset, ldc);
        if (k == 0 || alpha == 0)
        {
            return;
        }

        var nPanels = (n + NR - 1) / NR;
        var mBlocks = (m + MC - 1) / MC;
        var packedB = new float[nPanels * NR * Math.Min(KC, k)];
        var workers = parallel ? Math.Min(Environment.ProcessorCount, mBlocks * nPanels) : 1;
        // Small products are not worth a thread hand-off.
        if ((long)m * n * k < 64L * 64 * 64)
        {
            workers = 1;
        }

        for (var p0 = 0; p0 < k; p0 += KC)
        {
            var kc = Math.Min(KC, k - p0);
            PackB(transB, b, bOffset, ldb, p0, kc, n, packedB);
            if (workers == 1)
            {
                var packedA = new float[MC * kc + MR * kc];
                for (var mb = 0; mb < mBlocks; mb++)
                {
                    RunBlock(transA, m, n, kc, p0, alpha, a, aOffset, lda, packedB, c, cOffset, ldc, mb, 0, nPanels, packedA);
                }
            }
            else
            {
                // Work items: row blocks, split into column ranges when there are fewer row blocks than cores.
                var nSplits = Math.Max(1, Math.Min(nPanels, (workers * 2 + mBlocks - 1) / mBlocks));
                var panelsPerSplit = (nPanels + nSplits - 1) / nSplits;
                Parallel.For(0, mBlocks * nSplits, new ParallelOptions { MaxDegreeOfParallelism = workers },
                    () => new float[MC * kc + MR * kc],
                    (item, _, packedA) =>
                    {
                        var mb = item / nSplits;
                        var split = item % nSplits;
                        var first = split * panelsPerSplit;
                        var last = Math.Min(nPanels, first + panelsPerSplit);
                        if (first < last)
                        {
                            RunBlock(transA, m, n, kc, p0, alpha, a, aOffset, lda, packedB, c, cOffset, ldc, mb, first, last, packedA);
                        }
                        return packedA;
                    },
                    _ => { });
            }
        }
    }

    private static void ScaleC(float beta, int m, int n, float[] c, int cOffset, int ldc)
    {
        if (beta == 1)
        {
            return;
        }
        for (var i = 0; i < m; i++)
        {
            var row = c.AsSpan(cOffset + i * ldc, n);
            if (beta == 0)
            {
                row.Clear();
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    private static void RunBlock(bool transA, int m, int n, int kc, int p0, float alpha,
        float[] a, int aOffset, int lda, float[] packedB, float[] c, int cOffset, int ldc,
        int mBlock, int firstPanel, int lastPanel, float[] packedA)
    {
        var i0 = mBlock * MC;
        var mc = Math.Min(MC, m - i0);
        PackA(transA, a, aOffset, lda, i0, mc, p0, kc, packedA);
        Span<float> tile = stackalloc float[8 * 32];
        var mrCount = (mc + MR - 1) / MR;
        for (var jp = firstPanel; jp < lastPanel; jp++)
        {
            var j0 = jp * NR;
            var nr = Math.Min(NR, n - j0);
            var bPanel = packedB.AsSpan(jp * NR * kc, NR * kc);
            for (var ir = 0; ir < mrCount; ir++)
            {
                var i = ir * MR;
                var mr = Math.Min(MR, mc - i);
                var aPanel = packedA.AsSpan(ir * MR * kc, MR * kc);
                if (Wide)
                {
                    Kernel8x32(aPanel, bPanel, kc, tile);
                }
                else
                {
                    Kernel6x16(aPanel, bPanel, kc, tile);
                }
                for (var r = 0; r < mr; r++)
                {
                    var cRow = c.AsSpan(cOffset + (i0 + i + r) * ldc + j0, nr);
                    var tRow = tile.Slice(r * NR, nr);
                    if (alpha == 1)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(cRow, tRow, cRow);
                    }
                    else
                    {
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tRow, alpha, cRow, cRow);
                    }
                }
            }
        }
    }

    /// <summary>A rows [i0, i0+mc) x columns [p0, p0+kc) into MR-row panels, k-major, zero-padded.</summary>
    private static void PackA(bool transA, float[] a, int aOffset, int lda, int i0, int mc, int p0, int kc, float[] packed)
    {
        var panels = (mc + MR - 1) / MR;
        for (var ip = 0; ip < panels; ip++)
        {
            var dst = ip * MR * kc;
            var rows = Math.Min(MR, mc - ip * MR);
            for (var r = 0; r < MR; r++)
            {
                if (r >= rows)
                {
                    for (var p = 0; p < kc; p++)
                    {
                        packed[dst + p * MR + r] = 0;
                    }
                    continue;
                }
                var row = i0 + ip * MR + r;
                if (transA)
                {
                    // A stored [k, m]: element (row, p) at p * lda + row.
                    for (var p = 0; p < kc; p++)
                    {
                        packed[dst + p * MR + r] = a[aOffset + (p0 + p) * lda + row];
                    }
                }
                else
                {
                    var src = aOffset + row * lda + p0;
                    for (var p = 0; p < kc; p++)
                    {
                        packed[dst + p * MR + r] = a[src + p];
                    }
                }
            }
        }
    }

    /// <summary>B rows [p0, p0+kc) x all columns into NR-column panels, k-major, zero-padded.</summary>
    private static void PackB(bool transB, float[] b, int bOffset, int ldb, int p0, int kc, int n, float[] packed)
    {
        var panels = (n + NR - 1) / NR;
        for (var jp = 0; jp < panels; jp++)
        {
            var j0 = jp * NR;
            var cols = Math.Min(NR, n - j0);
            var dst = jp * NR * kc;
            if (!transB)
            {
                for (var p = 0; p < kc; p++)
                {
                    var target = packed.AsSpan(dst + p * NR, NR);
                    b.AsSpan(bOffset + (p0 + p) * ldb + j0, cols).CopyTo(target);
                    target[cols..].Clear();
                }
            }
            else
            {
                // B stored [n, k]: element (p, j) at j * ldb + p.
                for (var j = 0; j < NR; j++)
                {
                    if (j >= cols)
                    {
                        for (var p = 0; p < kc; p++)
                        {
                            packed[dst + p * NR + j] = 0;
                        }
                        continue;
                    }
                    var src = bOffset + (j0 + j) * ldb + p0;
                    for (var p = 0; p < kc; p++)
                    {
                        packed[dst + p * NR + j] = b[src + p];
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel8x32(ReadOnlySpan<float> aPanel, ReadOnlySpan<float> bPanel, int kc, Span<float> tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        fixed (float* ap0 = aPanel, bp0 = bPanel)
        {
            var ap = ap0;
            var bp = bp0;
            for (var p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(bp);
                var b1 = Vector512.Load(bp + 16);
                Vector512<float> a;
                a = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
                a = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
                a = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
                a = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
                a = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
                a = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
                a = Vector512.Create(ap[6]); c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
                a = Vector512.Create(ap[7]); c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
                ap += 8;
                bp += 32;
            }
        }
        fixed (float* t = tile)
        {
            c00.Store(t); c01.Store(t + 16);
            c10.Store(t + 32); c11.Store(t + 48);
            c20.Store(t + 64); c21.Store(t + 80);
            c30.Store(t + 96); c31.Store(t + 112);
            c40.Store(t + 128); c41.Store(t + 144);
            c50.Store(t + 160); c51.Store(t + 176);
            c60.Store(t + 192); c61.Store(t + 208);
            c70.Store(t + 224); c71.Store(t + 240);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x16(ReadOnlySpan<float> aPanel, ReadOnlySpan<float> bPanel, int kc, Span<float> tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        fixed (float* ap0 = aPanel, bp0 = bPanel)
        {
            var ap = ap0;
            var bp = bp0;
            for (var p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(bp);
                var b1 = Vector256.Load(bp + 8);
                Vector256<float> a;
                a = Vector256.Create(ap[0]); c00 = Vector256.FusedMultiplyAdd(a, b0, c00); c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
                a = Vector256.Create(ap[1]); c10 = Vector256.FusedMultiplyAdd(a, b0, c10); c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
                a = Vector256.Create(ap[2]); c20 = Vector256.FusedMultiplyAdd(a, b0, c20); c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
                a = Vector256.Create(ap[3]); c30 = Vector256.FusedMultiplyAdd(a, b0, c30); c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
                a = Vector256.Create(ap[4]); c40 = Vector256.FusedMultiplyAdd(a, b0, c40); c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
                a = Vector256.Create(ap[5]); c50 = Vector256.FusedMultiplyAdd(a, b0, c50); c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
                ap += 6;
                bp += 16;
            }
        }
        fixed (float* t = tile)
        {
            c00.Store(t); c01.Store(t + 8);
            c10.Store(t + 16); c11.Store(t + 24);
            c20.Store(t + 32); c21.Store(t + 40);
            c30.Store(t + 48); c31.Store(t + 56);
            c40.Store(t + 64); c41.Store(t + 72);
            c50.Store(t + 80); c51.Store(t + 88);
        }
    }
}
