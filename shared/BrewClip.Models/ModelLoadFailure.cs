using BrewClip.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace BrewClip.Models;

/// <summary>The exceptions that mean a model cannot be loaded at all (rather than a fault while it runs).</summary>
public static class ModelLoadFailure
{
    /// <summary>A missing model file or ONNX Runtime library, a file that is not the expected export, ONNX Runtime refusing it, or a required execution provider missing.</summary>
    public static bool Is(Exception e) => e is ModelMissingException or OnnxRuntimeNotFoundException or InvalidDataException or OnnxRuntimeException or ExecutionProviderUnavailableException;
}
