using System.ComponentModel.DataAnnotations;
using BrewClip.Onnx;

namespace BrewClip.Models;

/// <summary>Where models are and how ONNX Runtime runs them (configuration section "Models").</summary>
public sealed class ModelOptions
{
    public const string Section = "Models";

    /// <summary>The model store; empty means BREWCLIP_MODELS, else ./models.</summary>
    public string Root { get; set; } = "";

    /// <summary>Another libonnxruntime.so to load; empty means the one the Microsoft.ML.OnnxRuntime package put beside the app.</summary>
    public string OnnxLibraryPath { get; set; } = "";

    [RegularExpression("^(cpu|cuda)$", ErrorMessage = "must be cpu or cuda")]
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>With ExecutionProvider=cuda: fail at start instead of falling back to the CPU.</summary>
    public bool RequireExecutionProvider { get; set; }

    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>The model store these options name (<see cref="Root"/>, else BREWCLIP_MODELS, else ./models).</summary>
    public ModelStore Store() => ModelStore.FromEnvironment(string.IsNullOrWhiteSpace(Root) ? null : Root);

    /// <summary>The process's ONNX Runtime, loaded from <see cref="OnnxLibraryPath"/> or the usual places.</summary>
    public OnnxEnvironment Environment() => OnnxEnvironment.Shared(string.IsNullOrWhiteSpace(OnnxLibraryPath) ? null : OnnxLibraryPath);

    public OnnxSessionOptions SessionOptions() => new()
    {
        Provider = ExecutionProvider == "cuda" ? Onnx.ExecutionProvider.Cuda : Onnx.ExecutionProvider.Cpu,
        RequireProvider = RequireExecutionProvider,
        IntraOpThreads = IntraOpThreads,
    };
}
