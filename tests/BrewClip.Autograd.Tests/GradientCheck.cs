
namespace BrewClip.Autograd.Tests;

/// <summary>
/// Compares back-propagated gradients with central finite differences. The scalar checked is
/// Σ f(x)·R for a fixed random R, so every output element's gradient path is exercised; the
/// finite-difference side accumulates it in double to keep float32 rounding out of the comparison.
/// </summary>
internal static class GradientCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float step = 1e-2f,
        double absoluteTolerance = 2e-3, double relativeTolerance = 2e-2, int maxElementsPerInput = 60, int seed = 0)
    {
        var random = new Random(seed);
        foreach (var input in inputs)
        {
            input.ZeroGrad();
            input.RequireGrad();
        }
        var output = f(inputs);
        var projection = Tensor.RandomNormal(random, 1f, output.Shape);
        Ops.Sum(Ops.Multiply(output, projection)).Backward();
        var r = projection.ToArray();

        double Objective()
        {
            using var _ = GradMode.Disable();
            var values = f(inputs).ToArray();
            double total = 0;
            for (var i = 0; i < values.Length; i++)
            {
                total += (double)values[i] * r[i];
            }
            return total;
        }

        for (var t = 0; t < inputs.Length; t++)
        {
            var input = inputs[t];
            var analytic = input.Grad?.ToArray() ?? new float[input.Size];
            var data = input.Span;
            var indices = Enumerable.Range(0, input.Size).OrderBy(_ => random.Next()).Take(maxElementsPerInput);
            foreach (var i in indices)
            {
                var original = data[i];
                data[i] = original + step;
                var plus = Objective();
                data[i] = original - step;
                var minus = Objective();
                data[i] = original;
                var numeric = (plus - minus) / (2 * step);
                var error = Math.Abs(analytic[i] - numeric);
                Assert.True(error <= absoluteTolerance + relativeTolerance * Math.Abs(numeric),
                    $"input {t} element {i}: backward gave {analytic[i]}, finite differences {numeric} (error {error})");
            }
        }
    }

    public static Tensor Random(int seed, params int[] shape) => Tensor.RandomNormal(new Random(seed), 1f, shape);
}
