namespace BrewClip.Autograd.Nn;

public sealed class LayerNorm : Module
{
    private readonly float _eps;

    public LayerNorm(int features, float eps = 1e-5f)
    {
        _eps = eps;
        Gamma = AddParameter("weight", Tensor.Full(1f, features));
        Beta = AddParameter("bias", Tensor.Zeros(features));
    }

    public Parameter Gamma { get; }

    public Parameter Beta { get; }

    public Tensor Forward(Tensor x) => Ops.LayerNorm(x, Gamma, Beta, _eps);
}
