using System.Runtime.InteropServices;

namespace BrewClip.Onnx.Native;

/// <summary>Finds and loads libonnxruntime and its C API table.</summary>
internal static unsafe class OrtLibrary
{
    public const string EnvironmentVariable = "BREWCLIP_ORT_LIB";
    public const string InfraLocation = "/opt/brewclip/onnxruntime-1.30.0/libonnxruntime.so.1";
    private static readonly string[] FileNames = ["libonnxruntime.so.1", "libonnxruntime.so"];

    /// <summary>
    /// Loads the library from, in order: <paramref name="configuredPath"/> (an option), the
    /// BREWCLIP_ORT_LIB environment variable, the application's folder, and where scripts/infra.sh puts it.
    /// </summary>
    public static (OrtApi Api, string Path) Load(string? configuredPath)
        => Load(configuredPath, Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory, InfraLocation);

    internal static (OrtApi Api, string Path) Load(string? configuredPath, string? fromEnvironment, string applicationFolder, string infraLocation)
    {
        var tried = new List<string>();
        foreach (var (place, candidate) in Candidates(configuredPath, fromEnvironment, applicationFolder, infraLocation))
        {
            tried.Add($"{place}: {candidate}");
            if (!File.Exists(candidate))
            {
                continue;
            }
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                throw new OnnxRuntimeNotFoundException($"ONNX Runtime at {candidate} ({place}) exists but cannot be loaded; is it a Linux x64 build of libonnxruntime?");
            }
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
            {
                throw new OnnxRuntimeNotFoundException($"{candidate} ({place}) does not export OrtGetApiBase; it is not the ONNX Runtime library.");
            }
            var apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
            var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
            var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
            var version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "?";
            var table = getApi(OrtApi.ApiVersion);
            if (table == null)
            {
                throw new OnnxRuntimeNotFoundException(
                    $"ONNX Runtime {version} at {candidate} does not serve C API version {OrtApi.ApiVersion}; use ONNX Runtime 1.17 or later (scripts/infra.sh installs 1.30.0).");
            }
            return (new OrtApi(table, version), candidate);
        }
        throw new OnnxRuntimeNotFoundException(
            "The ONNX Runtime native library was not found. Looked in: " + string.Join("; ", tried) +
            ". Run `sudo scripts/infra.sh up` to install it, or point Onnx:LibraryPath or BREWCLIP_ORT_LIB at libonnxruntime.so.1.");
    }

    private static IEnumerable<(string Place, string Path)> Candidates(
        string? configuredPath, string? fromEnvironment, string applicationFolder, string infraLocation)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            yield return ("the configured library path", configuredPath);
        }
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            yield return (EnvironmentVariable, fromEnvironment);
        }
        foreach (var name in FileNames)
        {
            yield return ("beside the application", Path.Combine(applicationFolder, name));
        }
        yield return ("where scripts/infra.sh installs it", infraLocation);
    }
}
