using System.Runtime.InteropServices;

namespace BrewClip.Autograd.Gemm;

/// <summary>
/// GEMM through OpenBLAS's <c>cblas_sgemm</c> (Debian's libopenblas0-pthread). OpenBLAS 0.3.21
/// mis-detects recent Xeon and EPYC processors and falls back to a slow generic kernel; unless
/// OPENBLAS_CORETYPE is set, this sets it to SKYLAKEX on AVX-512 processors before the library loads.
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemmBackend
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    private OpenBlasGemm(nint library, string path)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(library, "cblas_sgemm");
        var core = NativeLibrary.TryGetExport(library, "openblas_get_corename", out var corename)
            ? Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)corename)()) ?? "?"
            : "?";
        Name = $"OpenBLAS ({path}, {core} kernels)";
    }

    public string Name { get; }

    private static readonly Lazy<OpenBlasGemm?> Loaded = new(Load);

    /// <summary>OpenBLAS when it is installed, otherwise null.</summary>
    public static OpenBlasGemm? TryLoad() => Loaded.Value;

    public bool SupportsConcurrentCalls => false;

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float beta, float[] c, int cOffset, int ldc, bool parallel)
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha,
                pa + aOffset, Math.Max(1, lda), pb + bOffset, Math.Max(1, ldb), beta, pc + cOffset, Math.Max(1, ldc));
        }
    }

    private static OpenBlasGemm? Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null && CoreTypeFromNative() is null
            && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // .NET's Environment.SetEnvironmentVariable does not reach the native environment that OpenBLAS reads.
            setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 0);
        }
        foreach (var path in new[] { "libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0" })
        {
            if (NativeLibrary.TryLoad(path, out var handle) && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _))
            {
                return new OpenBlasGemm(handle, path);
            }
        }
        return null;
    }

    private static string? CoreTypeFromNative()
    {
        var value = getenv("OPENBLAS_CORETYPE");
        return value == 0 ? null : Marshal.PtrToStringUTF8(value);
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint getenv(string name);
}
