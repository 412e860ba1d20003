using Microsoft.ML.OnnxRuntime;

namespace BrewClip.Onnx;

/// <summary>How a session runs.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads for one operator; 0 lets ONNX Runtime use one per core.</summary>
    public int IntraOpThreads { get; init; }

    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    public bool MemoryPattern { get; init; } = true;

    /// <summary>Whether idle intra-op threads spin; off leaves the cores to other work between runs.</summary>
    public bool AllowSpinning { get; init; } = true;

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Fail instead of falling back to the CPU when <see cref="Provider"/> cannot be used.</summary>
    public bool RequireProvider { get; init; }

    public int DeviceId { get; init; }
}
