namespace BrewClip.Autograd;

/// <summary>How an op's output passes its gradient back to its inputs.</summary>
internal sealed class GraphNode(Tensor[] inputs, Action<float[]> backward)
{
    public Tensor[] Inputs { get; } = inputs;

    /// <summary>Called with the output's gradient (contiguous, the output's shape); accumulates into the inputs.</summary>
    public Action<float[]> Backward { get; } = backward;
}
