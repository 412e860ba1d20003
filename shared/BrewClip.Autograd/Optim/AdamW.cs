using System.Numerics.Tensors;
using BrewClip.Autograd.Nn;

namespace BrewClip.Autograd.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter): the decay shrinks the weights directly,
/// lr·λ·w, instead of entering the gradient; moments are bias-corrected. Parameters for which
/// <c>decay</c> returns false (by convention biases and norms) are not decayed; <c>rateScale</c> multiplies
/// the learning rate of single parameters (a gate that must travel far from zero, say).
/// </summary>
public sealed class AdamW
{
    private readonly (string Name, Parameter Parameter, float[] M, float[] V, bool Decay, float Rate)[] _state;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _eps;
    private readonly float _weightDecay;

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate = 1e-3f,
        float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f,
        Func<string, Parameter, bool>? decay = null, Func<string, Parameter, float>? rateScale = null)
    {
        decay ??= (_, p) => p.Value.Rank >= 2;
        rateScale ??= (_, _) => 1f;
        _state = parameters.Select(p => (p.Name, p.Parameter, new float[p.Parameter.Value.Size], new float[p.Parameter.Value.Size],
            decay(p.Name, p.Parameter), rateScale(p.Name, p.Parameter))).ToArray();
        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
    }

    public float LearningRate { get; set; }

    public int Steps { get; private set; }

    /// <summary>Applies one update from the accumulated gradients (parameters without one are left alone).</summary>
    public void Step()
    {
        Steps++;
        var correction1 = 1 - MathF.Pow(_beta1, Steps);
        var correction2 = 1 - MathF.Pow(_beta2, Steps);
        foreach (var (_, parameter, m, v, decay, rate) in _state)
        {
            var stepSize = LearningRate * rate / correction1;
            var grad = parameter.Value.GradBuffer;
            if (grad is null)
            {
                continue;
            }
            var w = parameter.Value.Span;
            if (decay && _weightDecay != 0)
            {
                TensorPrimitives.Multiply(w, 1 - LearningRate * rate * _weightDecay, w);
            }
            var n = w.Length;
            for (var i = 0; i < n; i++)
            {
                var g = grad[i];
                m[i] = _beta1 * m[i] + (1 - _beta1) * g;
                v[i] = _beta2 * v[i] + (1 - _beta2) * g * g;
                w[i] -= stepSize * m[i] / (MathF.Sqrt(v[i] / correction2) + _eps);
            }
        }
    }

    /// <summary>The moments of every parameter ("m.{name}", "v.{name}"), to checkpoint with <see cref="Steps"/>.</summary>
    public List<KeyValuePair<string, Tensor>> StateTensors()
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, parameter, m, v, _, _) in _state)
        {
            tensors.Add(new("m." + name, Tensor.FromArray(m, parameter.Shape)));
            tensors.Add(new("v." + name, Tensor.FromArray(v, parameter.Shape)));
        }
        return tensors;
    }

    /// <summary>Restores moments saved by <see cref="StateTensors"/> and the step count, so training continues as if never stopped.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, int steps)
    {
        foreach (var (name, parameter, m, v, _, _) in _state)
        {
            if (!tensors.TryGetValue("m." + name, out var savedM) || !tensors.TryGetValue("v." + name, out var savedV)
                || savedM.Size != m.Length || savedV.Size != v.Length)
            {
                throw new InvalidDataException($"The optimiser state lacks the moments of {name} [{string.Join(", ", parameter.Shape)}].");
            }
            savedM.Contiguous().Span.CopyTo(m);
            savedV.Contiguous().Span.CopyTo(v);
        }
        Steps = steps;
    }

    public void ZeroGrad()
    {
        foreach (var entry in _state)
        {
            entry.Parameter.Value.ZeroGrad();
        }
    }
}
