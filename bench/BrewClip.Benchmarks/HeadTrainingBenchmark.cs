using System.Diagnostics;
using BrewClip.Autograd;
using BrewClip.Autograd.Gemm;
using BrewClip.Models.Heads;
using BrewClip.Models.Training;

namespace BrewClip.Benchmarks;

/// <summary>
/// Training the BrewCLIP heads at the Training service's defaults (head width 256, 8 prompts, 8 heads,
/// batch 32, inner-outer loss) on 5 s clips as whisper-base and CLIP ViT-B/32 leave them (250 Whisper
/// frames of width 512, CLIP token states of width 512): samples a second, peak managed memory, the
/// step's matrix products measured alone (the raw baseline, same run), and one epoch over 10k pairs
/// extrapolated. Training:AcousticPool 4 is measured beside it.
/// </summary>
internal static class HeadTrainingBenchmark
{
    private const int Batch = 32, Frames = 250, Width = 512, HeadWidth = 256, Prompts = 8, Heads = 8, Tokens = 14;

    public static void Run(bool quick)
    {
        Console.WriteLine($"# BrewCLIP head training: batch {Batch} of 5 s clips ({Frames} Whisper frames x {Width}, {Tokens} CLIP tokens x {Width}), head width {HeadWidth}, {GemmBackends.Current.Name}");
        Console.WriteLine($"{"config",-18} {"samples/s",10} {"ms/step",8} {"GEMM-only ms",13} {"GEMM share",11} {"peak managed MB",16} {"10k-pair epoch",15}");
        foreach (var pool in new[] { 1, 4 })
        {
            Measure(pool, quick);
        }
        Console.WriteLine();
    }

    private sealed class MemoryReader(Dictionary<SegmentFeatures, AudioHeadInput> inputs) : ISegmentReader
    {
        public AudioHeadInput Read(SegmentFeatures segment) => inputs[segment];
    }

    private static void Measure(int pool, bool quick)
    {
        var random = new Random(1);
        var count = Batch * (quick ? 3 : 6);
        var inputs = new Dictionary<SegmentFeatures, AudioHeadInput>(ReferenceEqualityComparer.Instance);
        var pairs = new List<PairGroup>();
        for (var i = 0; i < count; i++)
        {
            var embeds = Tensor.RandomNormal(random, 1, Width).ToArray();
            var segment = new SegmentFeatures(0, 0, 5, embeds, $"memory:{i}", $"memory:{i}");
            inputs[segment] = new AudioHeadInput(Tensor.RandomNormal(random, 1, 77, Width), Tokens, embeds, Tensor.RandomNormal(random, 1, Frames, Width));
            pairs.Add(new PairGroup(i, i, [segment], [new FrameFeatures(i, Tensor.RandomNormal(random, 1, HeadIndexWidth).ToArray())]));
        }
        var audio = new AudioHead(new AudioHeadConfig(Width, Width, HeadWidth, Prompts, Heads, HeadIndexWidth, pool), new Random(2));
        var image = new ImageAdapter(HeadIndexWidth);
        var trainer = new HeadTrainer(new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1 }, new MemoryReader(inputs));

        var steps = new List<double>();
        var clock = Stopwatch.StartNew();
        var peak = Timing.PeakManagedBytes(() => trainer.Train(pairs, audio, image, null, _ =>
        {
            steps.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
        }, CancellationToken.None));
        var step = steps.Skip(1).Order().ElementAt((steps.Count - 1) / 2); // the median after the first (warm-up) step

        // The raw baseline: the matrix products of the two layers' forward and backward passes, alone.
        var frames = (Frames + pool - 1) / pool;
        var gemms = Timing.Median(() =>
        {
            TransformerStepBenchmark.LayerGemms(GemmBackends.Current, Batch, 1 + Prompts + frames, HeadWidth, Heads, 4 * HeadWidth);
            TransformerStepBenchmark.LayerGemms(GemmBackends.Current, Batch, Prompts + Tokens, Width, Heads, 4 * Width);
        }, warmup: 1, quick ? 2 : 4);
        var samplesPerSecond = Batch / (step / 1000);
        Console.WriteLine($"{$"AcousticPool {pool}",-18} {samplesPerSecond,10:F1} {step,8:F0} {gemms.TotalMilliseconds,13:F0} {gemms.TotalMilliseconds / step,11:P0} " +
            $"{peak / 1e6,16:F0} {TimeSpan.FromSeconds(10_000 / samplesPerSecond),15:h\\:mm\\:ss}");
    }

    // The width of ViT-B/32 and B/16 vectors (the default CLIP).
    private const int HeadIndexWidth = 512;
}
