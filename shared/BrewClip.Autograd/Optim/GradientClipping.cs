using System.Numerics.Tensors;
using BrewClip.Autograd.Nn;

namespace BrewClip.Autograd.Optim;

public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so their global L2 norm is at most <paramref name="maxNorm"/>;
    /// returns the norm before clipping.
    /// </summary>
    public static float ClipGlobalNorm(IEnumerable<Parameter> parameters, float maxNorm)
    {
        var grads = parameters.Select(p => p.Value.GradBuffer).OfType<float[]>().ToList();
        double sumOfSquares = 0;
        foreach (var g in grads)
        {
            sumOfSquares += TensorPrimitives.Dot(g, g);
        }
        var norm = (float)Math.Sqrt(sumOfSquares);
        if (norm > maxNorm && norm > 0)
        {
            var scale = maxNorm / (norm + 1e-6f);
            foreach (var g in grads)
            {
                TensorPrimitives.Multiply(g, scale, g);
            }
        }
        return norm;
    }
}
