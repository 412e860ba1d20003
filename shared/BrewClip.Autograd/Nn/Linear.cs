namespace BrewClip.Autograd.Nn;

/// <summary>y = x·Wᵀ + b with W [out, in]. Initialised as PyTorch does (uniform ±1/√in), or to zero.</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Random random, bool bias = true, bool zeroInit = false)
    {
        var bound = 1 / MathF.Sqrt(inFeatures);
        Weight = AddParameter("weight", zeroInit
            ? Tensor.Zeros(outFeatures, inFeatures)
            : Tensor.RandomUniform(random, -bound, bound, outFeatures, inFeatures));
        Bias = bias
            ? AddParameter("bias", zeroInit ? Tensor.Zeros(outFeatures) : Tensor.RandomUniform(random, -bound, bound, outFeatures))
            : null;
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias?.Value);
}
