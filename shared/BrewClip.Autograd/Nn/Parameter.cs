namespace BrewClip.Autograd.Nn;

/// <summary>A trainable tensor: a leaf that collects gradients, updated in place by an optimiser.</summary>
public sealed class Parameter
{
    public Parameter(Tensor value)
    {
        if (!value.IsContiguous)
        {
            value = value.Contiguous().Detach();
        }
        Value = value.Detach().RequireGrad();
    }

    public Tensor Value { get; }

    public int[] Shape => Value.Shape;

    /// <summary>Replaces the values (same shape), e.g. from a checkpoint.</summary>
    public void Load(ReadOnlySpan<float> values)
    {
        if (values.Length != Value.Size)
        {
            throw new ArgumentException($"{values.Length} values for a parameter of shape {Shapes.Format(Value.Shape)}.");
        }
        values.CopyTo(Value.Span);
    }

    public static implicit operator Tensor(Parameter parameter) => parameter.Value;
}
