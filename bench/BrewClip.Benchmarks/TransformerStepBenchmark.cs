using BrewClip.Autograd;
using BrewClip.Autograd.Gemm;
using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Optim;

namespace BrewClip.Benchmarks;

/// <summary>
/// One training step (forward, backward, AdamW) of a d=512, 8-head pre-LN transformer layer over 32
/// sequences of 128 tokens, with each GEMM backend; reports milliseconds per step, the share of it spent
/// in the layer's matrix products measured alone (the raw baseline), and peak managed memory.
/// </summary>
internal static class TransformerStepBenchmark
{
    private const int Batch = 32, Time = 128, Dim = 512, Heads = 8, FeedForward = 2048;

    public static void Run(bool quick)
    {
        Console.WriteLine($"# transformer layer training step: batch {Batch} x {Time} tokens, d={Dim}, {Heads} heads, MLP {FeedForward}");
        Console.WriteLine($"{"GEMM backend",-40} {"ms/step",9} {"GEMM-only ms",13} {"GEMM share",11} {"peak managed MB",16} {"allocated MB/step",18}");
        var backends = new List<IGemmBackend> { ManagedGemm.Instance };
        if (OpenBlasGemm.TryLoad() is { } openBlas)
        {
            backends.Add(openBlas);
        }
        var saved = GemmBackends.Current;
        var steps = new List<TimeSpan>();
        foreach (var backend in backends)
        {
            GemmBackends.Current = backend;
            steps.Add(Measure(backend, quick));
        }
        GemmBackends.Current = saved;
        if (steps.Count == 2)
        {
            Console.WriteLine($"step speed with the managed GEMM: {steps[1] / steps[0]:F2} of the step with OpenBLAS");
        }
        Console.WriteLine();
    }

    private static TimeSpan Measure(IGemmBackend backend, bool quick)
    {
        var random = new Random(1);
        var layer = new TransformerEncoderLayer(Dim, Heads, FeedForward, random, dropout: 0.1f);
        var optimizer = new AdamW(layer.NamedParameters(), learningRate: 1e-4f);
        var x = Tensor.RandomNormal(random, 1f, Batch, Time, Dim);
        var padding = new bool[Batch * Time];
        for (var b = 0; b < Batch; b++)
        {
            for (var t = Time - b; t < Time; t++)
            {
                padding[b * Time + t] = true;
            }
        }
        void Step()
        {
            var loss = Ops.Mean(layer.Forward(x, padding));
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }

        var runs = quick ? 2 : 5;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var perStep = TimeSpan.Zero;
        var peak = Timing.PeakManagedBytes(() => perStep = Timing.Median(Step, warmup: 1, runs));
        var allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)(runs + 1);

        var gemmOnly = Timing.Median(() => LayerGemms(backend, Batch, Time, Dim, Heads, FeedForward), warmup: 1, runs);
        Console.WriteLine($"{backend.Name,-40} {perStep.TotalMilliseconds,9:F0} {gemmOnly.TotalMilliseconds,13:F0} " +
            $"{gemmOnly / perStep,11:P0} {peak / 1e6,16:F0} {allocatedPerStep / 1e6,18:F0}");
        return perStep;
    }

    /// <summary>The matrix products of one forward and backward pass of a layer over batch x time tokens, nothing else.</summary>
    public static void LayerGemms(IGemmBackend backend, int batch, int time, int dim, int heads, int feedForward)
    {
        var tokens = batch * time;
        var headDim = dim / heads;
        var big = new float[tokens * feedForward];
        var input = new float[tokens * feedForward];
        var weight = new float[feedForward * dim];
        void Linear(int inF, int outF)
        {
            // forward y = x Wᵀ, backward dX = dY W and dW = dYᵀ X
            backend.Multiply(false, true, tokens, outF, inF, 1f, input, 0, inF, weight, 0, inF, 0f, big, 0, outF, true);
            backend.Multiply(false, false, tokens, inF, outF, 1f, big, 0, outF, weight, 0, inF, 0f, input, 0, inF, true);
            backend.Multiply(true, false, outF, inF, tokens, 1f, big, 0, outF, input, 0, inF, 0f, weight, 0, inF, true);
        }
        for (var i = 0; i < 4; i++)
        {
            Linear(dim, dim);
        }
        Linear(dim, feedForward);
        Linear(feedForward, dim);
        // attention: scores = Q Kᵀ and context = P V per sequence and head, forward and backward (2 GEMMs each)
        var q = new float[time * headDim];
        var scores = new float[time * time];
        for (var h = 0; h < batch * heads; h++)
        {
            backend.Multiply(false, true, time, time, headDim, 1f, q, 0, headDim, q, 0, headDim, 0f, scores, 0, time, false);
            backend.Multiply(false, false, time, headDim, time, 1f, scores, 0, time, q, 0, headDim, 0f, q, 0, headDim, false);
            backend.Multiply(false, false, time, headDim, time, 1f, scores, 0, time, q, 0, headDim, 0f, q, 0, headDim, false);
            backend.Multiply(true, false, time, headDim, time, 1f, scores, 0, time, q, 0, headDim, 0f, q, 0, headDim, false);
            backend.Multiply(false, false, time, headDim, time, 1f, scores, 0, time, q, 0, headDim, 0f, q, 0, headDim, false);
            backend.Multiply(true, false, time, headDim, time, 1f, scores, 0, time, q, 0, headDim, 0f, q, 0, headDim, false);
        }
    }
}
