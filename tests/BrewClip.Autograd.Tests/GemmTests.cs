using BrewClip.Autograd.Gemm;

namespace BrewClip.Autograd.Tests;

public sealed class GemmTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 7, 5, 3 }, { 33, 17, 65 }, { 100, 130, 257 }, { 200, 64, 600 }, { 9, 300, 40 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Managed_kernel_matches_a_double_precision_reference(int m, int n, int k)
    {
        foreach (var transA in new[] { false, true })
        {
            foreach (var transB in new[] { false, true })
            {
                foreach (var parallel in new[] { false, true })
                {
                    CheckAgainstReference(ManagedGemm.Instance, transA, transB, m, n, k, parallel);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Openblas_matches_the_same_reference(int m, int n, int k)
    {
        var openBlas = OpenBlasGemm.TryLoad();
        Assert.True(openBlas is not null, "libopenblas.so.0 is missing: scripts/infra.sh installs libopenblas0-pthread.");
        foreach (var transA in new[] { false, true })
        {
            foreach (var transB in new[] { false, true })
            {
                CheckAgainstReference(openBlas, transA, transB, m, n, k, parallel: true);
            }
        }
    }

    [Fact]
    public void Choosing_a_backend_by_name()
    {
        Assert.Same(ManagedGemm.Instance, GemmBackends.Choose("managed"));
        Assert.IsType<OpenBlasGemm>(GemmBackends.Choose("openblas"));
        Assert.Throws<InvalidOperationException>(() => GemmBackends.Choose("fortran"));
    }

    /// <summary>C = 1.5·op(A)·op(B) - 0.5·C, with operands placed at offsets inside larger buffers with padded rows.</summary>
    private static void CheckAgainstReference(IGemmBackend backend, bool transA, bool transB, int m, int n, int k, bool parallel)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        var (aRows, aCols) = transA ? (k, m) : (m, k);
        var (bRows, bCols) = transB ? (n, k) : (k, n);
        int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2;
        const int aOffset = 5, bOffset = 2, cOffset = 7;
        var a = RandomArray(random, aOffset + aRows * lda);
        var b = RandomArray(random, bOffset + bRows * ldb);
        var c = RandomArray(random, cOffset + m * ldc);
        var expected = (float[])c.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    var av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    var bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += (double)av * bv;
                }
                expected[cOffset + i * ldc + j] = (float)(1.5 * sum - 0.5 * c[cOffset + i * ldc + j]);
            }
        }

        backend.Multiply(transA, transB, m, n, k, 1.5f, a, aOffset, lda, b, bOffset, ldb, -0.5f, c, cOffset, ldc, parallel);

        for (var i = 0; i < c.Length; i++)
        {
            // Padding between rows must be untouched; results agree to float32 accumulation error.
            var tolerance = 1e-4f * MathF.Sqrt(k) * 4 + 1e-5f;
            Assert.True(Math.Abs(expected[i] - c[i]) <= tolerance,
                $"{backend.Name} transA={transA} transB={transB} {m}x{n}x{k}: element {i} is {c[i]}, expected {expected[i]}");
        }
    }

    private static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return values;
    }
}
