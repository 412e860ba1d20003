using BrewClip.Autograd.Gemm;

namespace BrewClip.Benchmarks;

/// <summary>
/// GFLOPS of the managed GEMM against OpenBLAS's sgemm on the same machine in the same run, at the
/// shapes BrewCLIP's heads use. OpenBLAS is loaded with OPENBLAS_CORETYPE=SKYLAKEX on AVX-512 processors
/// unless the variable is already set (0.3.21 mis-detects these CPUs otherwise).
/// </summary>
internal static class GemmBenchmark
{
    public static void Run(bool quick)
    {
        var openBlas = OpenBlasGemm.TryLoad();
        Console.WriteLine($"# GEMM, {Environment.ProcessorCount} cores");
        Console.WriteLine($"managed:  {ManagedGemm.Instance.Name}");
        Console.WriteLine($"baseline: {openBlas?.Name ?? "OpenBLAS not installed (apt-get install libopenblas0-pthread)"}");
        Console.WriteLine($"{"m x k x n",-18} {"trans",-6} {"managed GFLOPS",15} {"OpenBLAS GFLOPS",16} {"ratio",7}");
        var shapes = new (int M, int K, int N, bool TransB)[]
        {
            (256, 512, 512, false), (256, 512, 512, true), (4096, 512, 2048, false), (4096, 512, 2048, true), (4096, 2048, 512, false),
        };
        foreach (var (m, k, n, transB) in shapes)
        {
            var random = new Random(1);
            var a = Fill(random, m * k);
            var b = Fill(random, k * n);
            var c = new float[m * n];
            var flops = 2.0 * m * n * k;
            var runs = quick ? 3 : flops > 1e9 ? 10 : 50;
            double Gflops(IGemmBackend backend) => flops / Timing.Median(
                () => backend.Multiply(false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n, parallel: true),
                warmup: 2, runs).TotalSeconds / 1e9;

            var managed = Gflops(ManagedGemm.Instance);
            var baseline = openBlas is null ? double.NaN : Gflops(openBlas);
            Console.WriteLine($"{$"{m}x{k}x{n}",-18} {(transB ? "B^T" : "-"),-6} {managed,15:F1} {baseline,16:F1} {managed / baseline,7:F2}");
        }
        Console.WriteLine("ratio: managed GFLOPS / OpenBLAS GFLOPS, medians over the runs (target 0.6 or more)");
        Console.WriteLine();
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = random.NextSingle() - 0.5f;
        }
        return values;
    }
}
