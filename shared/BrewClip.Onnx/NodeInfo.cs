using Microsoft.ML.OnnxRuntime.Tensors;

namespace BrewClip.Onnx;

/// <summary>A model input or output: its name, element type and shape (-1 where a dimension is symbolic, named in <paramref name="SymbolicDimensions"/>).</summary>
public sealed record NodeInfo(string Name, TensorElementType ElementType, long[] Shape, string?[] SymbolicDimensions)
{
    public override string ToString()
        => $"{Name}: {ElementType}[{string.Join(", ", Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDimensions[i] ?? "?"))}]";
}
