namespace BrewClip.Onnx;

/// <summary>How a session is built.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Plans memory from the first run's shapes; helps when input shapes repeat.</summary>
    public bool MemoryPattern { get; init; } = true;

    /// <summary>
    /// Whether idle intra-op threads spin waiting for work (ONNX Runtime's default). Off suits a process
    /// that does other CPU work between runs (decoding, for one), which spinning threads would slow.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Fail instead of falling back to the CPU when the requested provider cannot load.</summary>
    public bool RequireProvider { get; init; }

    public int DeviceId { get; init; }
}
