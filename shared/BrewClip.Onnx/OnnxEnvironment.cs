using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace BrewClip.Onnx;

/// <summary>
/// The process's ONNX Runtime: the native library the Microsoft.ML.OnnxRuntime package put beside the app, or
/// the one a configured path names (a build with other execution providers, say), loaded once.
/// </summary>
public sealed class OnnxEnvironment
{
    private static readonly Lock Gate = new();
    private static OnnxEnvironment? _shared;

    private OnnxEnvironment(string? libraryPath)
    {
        LibraryPath = libraryPath;
        if (libraryPath is not null)
        {
            NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, (name, _, _) =>
                name == "onnxruntime" ? NativeLibrary.Load(libraryPath) : 0);
        }
        try
        {
            Version = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new OnnxRuntimeNotFoundException(
                $"The ONNX Runtime native library could not be loaded from {libraryPath ?? "the application's folder (the Microsoft.ML.OnnxRuntime package)"}: " +
                $"{e.GetBaseException().Message}. Rebuild the service (the package ships it), or point Models:OnnxLibraryPath at a Linux x64 libonnxruntime.so.");
        }
    }

    /// <summary>
    /// The ONNX Runtime of this process. <paramref name="libraryPath"/> (Models:OnnxLibraryPath) loads another
    /// libonnxruntime instead of the package's; it must be given before anything else uses ONNX Runtime.
    /// </summary>
    public static OnnxEnvironment Shared(string? libraryPath = null)
    {
        libraryPath = string.IsNullOrWhiteSpace(libraryPath) ? null : Path.GetFullPath(libraryPath);
        if (libraryPath is not null && !File.Exists(libraryPath))
        {
            throw new OnnxRuntimeNotFoundException($"ONNX Runtime was configured at {libraryPath} (Models:OnnxLibraryPath), which does not exist.");
        }
        lock (Gate)
        {
            _shared ??= new OnnxEnvironment(libraryPath);
            if (libraryPath is not null && libraryPath != _shared.LibraryPath)
            {
                throw new InvalidOperationException(
                    $"ONNX Runtime is already loaded from {_shared.LibraryPath ?? "the application's folder"}; one process cannot also load {libraryPath}.");
            }
            return _shared;
        }
    }

    /// <summary>The configured library; null for the package's own.</summary>
    public string? LibraryPath { get; }

    public string Version { get; }

    /// <summary>The managed API's version, which the native library must match.</summary>
    public static string ManagedVersion => typeof(OrtEnv).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    public IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();
}
