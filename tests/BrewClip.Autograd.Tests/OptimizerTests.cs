using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Optim;

namespace BrewClip.Autograd.Tests;

public sealed class OptimizerTests
{
    private sealed class Weights : Module
    {
        public Weights()
        {
            Matrix = AddParameter("matrix", Tensor.FromArray([1f, -2f, 3f, 4f], 2, 2));
            Bias = AddParameter("bias", Tensor.FromArray([0.5f, -0.5f], 2));
        }

        public Parameter Matrix { get; }

        public Parameter Bias { get; }
    }

    [Fact]
    public void Adamw_first_steps_match_the_closed_form()
    {
        var model = new Weights();
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 0.1f, weightDecay: 0.5f);
        float[] g1 = [0.2f, -0.4f, 1f, 0f], g2 = [0.1f, 0.1f, -1f, 2f];

        model.Matrix.Value.AccumulateGrad(g1);
        optimizer.Step();
        optimizer.ZeroGrad();
        model.Matrix.Value.AccumulateGrad(g2);
        optimizer.Step();

        // Reference in double: decoupled decay on the weights, bias-corrected moments.
        double[] w = [1, -2, 3, 4], m = new double[4], v = new double[4];
        for (var t = 1; t <= 2; t++)
        {
            var g = t == 1 ? g1 : g2;
            for (var i = 0; i < 4; i++)
            {
                w[i] *= 1 - 0.1 * 0.5;
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                w[i] -= 0.1 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
            }
        }
        var actual = model.Matrix.Value.ToArray();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(w[i], actual[i], 5);
        }
        // The bias had no gradient: untouched, and never decayed.
        Assert.Equal([0.5f, -0.5f], model.Bias.Value.ToArray());
    }

    [Fact]
    public void Biases_are_not_decayed_by_default()
    {
        var model = new Weights();
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 0.1f, weightDecay: 0.5f);
        model.Bias.Value.AccumulateGrad([0f, 0f]);
        model.Matrix.Value.AccumulateGrad([0f, 0f, 0f, 0f]);
        optimizer.Step();
        Assert.Equal([0.5f, -0.5f], model.Bias.Value.ToArray());
        Assert.Equal([0.95f, -1.9f, 2.85f, 3.8f], model.Matrix.Value.ToArray());
    }

    [Fact]
    public void Global_norm_clipping_scales_all_gradients_together()
    {
        var model = new Weights();
        model.Matrix.Value.AccumulateGrad([3f, 0f, 0f, 0f]);
        model.Bias.Value.AccumulateGrad([0f, 4f]);

        var norm = GradientClipping.ClipGlobalNorm(model.Parameters(), 1f);

        Assert.Equal(5f, norm, 5);
        Assert.Equal(0.6f, model.Matrix.Value.Grad!.ToArray()[0], 4);
        Assert.Equal(0.8f, model.Bias.Value.Grad!.ToArray()[1], 4);
        Assert.Equal(1f, GradientClipping.ClipGlobalNorm(model.Parameters(), 10f), 4);
    }

    [Fact]
    public void Warmup_then_cosine_decay()
    {
        var schedule = new WarmupCosineSchedule(peak: 1f, warmupSteps: 4, totalSteps: 14, floor: 0.1f);
        Assert.Equal(0.25f, schedule.At(0));
        Assert.Equal(1f, schedule.At(3));
        Assert.Equal(1f, schedule.At(4), 5);
        Assert.Equal(0.1f + 0.9f * 0.5f, schedule.At(9), 5);
        Assert.Equal(0.1f, schedule.At(14), 5);
        Assert.Equal(0.1f, schedule.At(100), 5);
    }
}
