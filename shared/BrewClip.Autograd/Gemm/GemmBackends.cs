namespace BrewClip.Autograd.Gemm;

/// <summary>
/// The GEMM the engine uses: OpenBLAS where installed, else the managed kernel. BREWCLIP_GEMM=managed
/// or =openblas forces one (openblas fails loudly when it is missing).
/// </summary>
public static class GemmBackends
{
    private static IGemmBackend? _current;

    public static IGemmBackend Current
    {
        get => _current ??= Choose(Environment.GetEnvironmentVariable("BREWCLIP_GEMM"));
        set => _current = value;
    }

    public static IGemmBackend Choose(string? preference) => preference?.ToLowerInvariant() switch
    {
        null or "" or "auto" => (IGemmBackend?)OpenBlasGemm.TryLoad() ?? ManagedGemm.Instance,
        "managed" => ManagedGemm.Instance,
        "openblas" => OpenBlasGemm.TryLoad()
            ?? throw new InvalidOperationException("BREWCLIP_GEMM=openblas, but libopenblas.so.0 is not installed (Debian: apt-get install libopenblas0-pthread)."),
        _ => throw new InvalidOperationException($"BREWCLIP_GEMM='{preference}' is not one of auto, managed, openblas."),
    };
}
