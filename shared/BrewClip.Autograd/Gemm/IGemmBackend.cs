namespace BrewClip.Autograd.Gemm;

/// <summary>
/// Row-major single-precision GEMM: C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, where op
/// transposes when asked. A is stored [m,k] (or [k,m] when transposed) with row stride lda; likewise B and C.
/// </summary>
public interface IGemmBackend
{
    string Name { get; }

    /// <summary>Whether independent products may be computed on several threads at once.</summary>
    bool SupportsConcurrentCalls { get; }

    void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float beta, float[] c, int cOffset, int ldc, bool parallel);
}
