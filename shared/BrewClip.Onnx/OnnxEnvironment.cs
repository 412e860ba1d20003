using BrewClip.Onnx.Native;

namespace BrewClip.Onnx;

/// <summary>
/// The loaded ONNX Runtime library and its process-wide OrtEnv. There is one per process, alive until the
/// process ends; sessions are opened from it.
/// </summary>
public sealed unsafe class OnnxEnvironment
{
    private static readonly Lock Gate = new();
    private static OnnxEnvironment? _shared;
    private readonly OrtHandle _env;
    private readonly OrtHandle _cpuMemory;

    private OnnxEnvironment(string? libraryPath)
    {
        (Api, LibraryPath) = OrtLibrary.Load(libraryPath);
        nint env;
        fixed (byte* id = "brewclip"u8)
        {
            // Warnings and above from ONNX Runtime's own logger.
            Api.Check(Api.CreateEnv(2, id, &env));
        }
        _env = new OrtHandle(env, Api.ReleaseEnv);
        nint memory;
        // OrtArenaAllocator = 1, OrtMemTypeDefault = 0
        Api.Check(Api.CreateCpuMemoryInfo(1, 0, &memory));
        _cpuMemory = new OrtHandle(memory, Api.ReleaseMemoryInfo);
    }

    /// <summary>The environment of this process, loading the library on first use.</summary>
    /// <param name="libraryPath">An explicit path to libonnxruntime (for example from configuration); optional.</param>
    public static OnnxEnvironment Shared(string? libraryPath = null)
    {
        lock (Gate)
        {
            _shared ??= new OnnxEnvironment(libraryPath);
            if (!string.IsNullOrWhiteSpace(libraryPath) && Path.GetFullPath(libraryPath) != Path.GetFullPath(_shared.LibraryPath))
            {
                throw new InvalidOperationException(
                    $"ONNX Runtime is already loaded from {_shared.LibraryPath}; one process cannot also load {libraryPath}.");
            }
            return _shared;
        }
    }

    internal OrtApi Api { get; }

    public string LibraryPath { get; }

    /// <summary>ONNX Runtime's own version string, e.g. "1.30.0".</summary>
    public string Version => Api.Version;

    internal OrtHandle Env => _env;

    internal OrtHandle CpuMemory => _cpuMemory;

    /// <summary>The execution providers this build of ONNX Runtime knows (they may still fail to load).</summary>
    public IReadOnlyList<string> AvailableProviders
    {
        get
        {
            byte** names;
            int count;
            Api.Check(Api.GetAvailableProviders(&names, &count));
            try
            {
                var result = new string[count];
                for (var i = 0; i < count; i++)
                {
                    result[i] = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
                }
                return result;
            }
            finally
            {
                Api.Check(Api.ReleaseAvailableProviders(names, count));
            }
        }
    }
}
