using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BrewClip.Autograd.Gemm;

/// <summary>
/// A packed, blocked GEMM in managed code. A and B are copied into panels that the micro-kernel walks
/// sequentially (KC deep); the micro-kernel keeps an MR x NR tile of C in vector registers and does
/// one broadcast-FMA per row and vector per k. AVX-512 gets an 8 x 32 tile, AVX2 a 6 x 16 tile.
/// C is cut into one rectangle per core along its longer side.
/// </summary>
public sealed class ManagedGemm : IGemmBackend
{
    private const int KC = 512;
    private const int MC = 192;


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

        // Each worker owns a rectangle of C and runs the whole k loop on it with its own packed
        // panels: no synchronisation between k blocks, at the price of packing shared panels twice.
        var workers = parallel && (long)m * n * k >= 64L * 64 * 64 ? Environment.ProcessorCount : 1;
        var mUnits = (m + MR - 1) / MR;
        var nUnits = (n + NR - 1) / NR;
        var splitRows = mUnits >= nUnits;
        var splits = Math.Max(1, Math.Min(workers, splitRows ? mUnits : nUnits));
        if (splits == 1)
        {
            RunRegion(transA, transB, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, 0, m, 0, n);
            return;
        }
        var units = splitRows ? mUnits : nUnits;
        Parallel.For(0, splits, new ParallelOptions { MaxDegreeOfParallelism = splits }, s =>
        {
            var first = (int)((long)units * s / splits);
            var last = (int)((long)units * (s + 1) / splits);
            if (splitRows)
            {
                RunRegion(transA, transB, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc,
                    first * MR, Math.Min(m, last * MR), 0, n);
            }
            else
            {
                RunRegion(transA, transB, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc,
                    0, m, first * NR, Math.Min(n, last * NR));
            }
        });
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

    /// <summary>C[i0..i1, j0..j1] += alpha · A[i0..i1, :] · B[:, j0..j1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRegion(bool transA, bool transB, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc,
        int i0, int i1, int j0, int j1)
    {
        var nPanels = (j1 - j0 + NR - 1) / NR;
        var kcMax = Math.Min(KC, k);
        var packedB = ArrayPool<float>.Shared.Rent(nPanels * NR * kcMax);
        var packedA = ArrayPool<float>.Shared.Rent((MC + MR) * kcMax);
        try
        {
            for (var p0 = 0; p0 < k; p0 += KC)
            {
                var kc = Math.Min(KC, k - p0);
                PackB(transB, b, bOffset, ldb, p0, kc, j0, j1, packedB);
                for (var mb = i0; mb < i1; mb += MC)
                {
                    var mc = Math.Min(MC, i1 - mb);
                    PackA(transA, a, aOffset, lda, mb, mc, p0, kc, packedA);
                    RunBlock(mb, mc, j0, j1, kc, alpha, packedA, packedB, c, cOffset, ldc);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunBlock(int i0, int mc, int j0, int j1, int kc, float alpha,
        float[] packedA, float[] packedB, float[] c, int cOffset, int ldc)
    {
        var tile = stackalloc float[8 * 32];
        var mrCount = (mc + MR - 1) / MR;
        var nPanels = (j1 - j0 + NR - 1) / NR;
        fixed (float* pa = packedA, pb = packedB, pc = c)
        {
            for (var jp = 0; jp < nPanels; jp++)
            {
                var j = j0 + jp * NR;
                var nr = Math.Min(NR, j1 - j);
                var bPanel = pb + jp * NR * kc;
                for (var ir = 0; ir < mrCount; ir++)
                {
                    var i = ir * MR;
                    var mr = Math.Min(MR, mc - i);
                    var aPanel = pa + ir * MR * kc;
                    var cTile = pc + cOffset + (i0 + i) * ldc + j;
                    var full = mr == MR && nr == NR;
                    // A full tile is updated in place; an edge tile goes through a buffer.
                    var target = full ? cTile : tile;
                    var targetLd = full ? ldc : NR;
                    if (!full)
                    {
                        new Span<float>(tile, MR * NR).Clear();
                    }
                    if (Wide)
                    {
                        Kernel8x32(aPanel, bPanel, kc, target, targetLd, full ? alpha : 1f);
                    }
                    else
                    {
                        Kernel6x16(aPanel, bPanel, kc, target, targetLd, full ? alpha : 1f);
                    }
                    if (!full)
                    {
                        for (var r = 0; r < mr; r++)
                        {
                            var cRow = new Span<float>(cTile + r * ldc, nr);
                            var tRow = new ReadOnlySpan<float>(tile + r * NR, nr);
                            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tRow, alpha, cRow, cRow);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A rows [i0, i0+mc) x columns [p0, p0+kc) into MR-row panels, k-major, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>B rows [p0, p0+kc) x columns [first, last) into NR-column panels, k-major, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float[] b, int bOffset, int ldb, int p0, int kc, int first, int last, float[] packed)
    {
        var panels = (last - first + NR - 1) / NR;
        for (var jp = 0; jp < panels; jp++)
        {
            var j0 = first + jp * NR;
            var cols = Math.Min(NR, last - j0);
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

    /// <summary>c[0..8, 0..32] (row stride ldc) += alpha · aPanel(8 x kc) · bPanel(kc x 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel8x32(float* ap, float* bp, int kc, float* c, int ldc, float alpha)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
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
        var s = Vector512.Create(alpha);
        Accumulate512(c, c00, c01, s); Accumulate512(c + ldc, c10, c11, s);
        Accumulate512(c + 2 * ldc, c20, c21, s); Accumulate512(c + 3 * ldc, c30, c31, s);
        Accumulate512(c + 4 * ldc, c40, c41, s); Accumulate512(c + 5 * ldc, c50, c51, s);
        Accumulate512(c + 6 * ldc, c60, c61, s); Accumulate512(c + 7 * ldc, c70, c71, s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate512(float* row, Vector512<float> left, Vector512<float> right, Vector512<float> alpha)
    {
        Vector512.FusedMultiplyAdd(left, alpha, Vector512.Load(row)).Store(row);
        Vector512.FusedMultiplyAdd(right, alpha, Vector512.Load(row + 16)).Store(row + 16);
    }

    /// <summary>c[0..6, 0..16] (row stride ldc) += alpha · aPanel(6 x kc) · bPanel(kc x 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x16(float* ap, float* bp, int kc, float* c, int ldc, float alpha)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
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
        var s = Vector256.Create(alpha);
        Accumulate256(c, c00, c01, s); Accumulate256(c + ldc, c10, c11, s); Accumulate256(c + 2 * ldc, c20, c21, s);
        Accumulate256(c + 3 * ldc, c30, c31, s); Accumulate256(c + 4 * ldc, c40, c41, s); Accumulate256(c + 5 * ldc, c50, c51, s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate256(float* row, Vector256<float> left, Vector256<float> right, Vector256<float> alpha)
    {
        Vector256.FusedMultiplyAdd(left, alpha, Vector256.Load(row)).Store(row);
        Vector256.FusedMultiplyAdd(right, alpha, Vector256.Load(row + 8)).Store(row + 8);
    }
}
