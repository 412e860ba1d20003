using System.Diagnostics;
using System.Globalization;
using BrewClip.Autograd;
using BrewClip.Models.Heads;
using BrewClip.Models.Training;
using BrewClip.Training;

namespace BrewClip.Benchmarks;

/// <summary>
/// A whole training run at the Training service's defaults (its <see cref="TrainingOptions"/> as they are, with the
/// early-stopping schedule and each epoch's validation) on 1,000 train pairs and 100 validation pairs of a task whose
/// answer is known, shaped as whisper-base and CLIP ViT-B/32 leave them: 5 s clips (250 Whisper frames x 512), 14
/// CLIP tokens x 512, 512-d images. Each recording says its class in its frames under noise and a voice of its own
/// (a constant offset: held-out voices are new); its transcript says nothing. Reported: the run's wall time, epochs,
/// steps, why it stopped, the share of the time spent validating, the held-out audio->image R@1 it reached, and
/// the raw baseline measured in the same run: one bare epoch over the same pairs (no validation), so the run
/// is also told as a number of such epochs.
/// </summary>
internal static class RetrainBenchmark
{
    private const int Frames = 250, Width = 512, Tokens = 14, Size = 512, Classes = 50;

    private sealed class MemoryReader(Dictionary<SegmentFeatures, AudioHeadInput> inputs) : ISegmentReader
    {
        public AudioHeadInput Read(SegmentFeatures segment) => inputs[segment];
    }

    public static void Run(bool quick)
    {
        var trainPairs = quick ? 250 : 1000;
        var settings = new TrainingOptions();
        Console.WriteLine($"# A training run at the defaults: {trainPairs} train pairs and {trainPairs / 10} validation pairs of 5 s clips, {Classes} classes, " +
            $"head width {settings.HeadWidth}, batch {settings.BatchSize}, AcousticPool {settings.AcousticPool}, patience {settings.Patience} epochs after {settings.MinSteps} steps");
        var (train, validation, reader) = Task(trainPairs);
        var config = new AudioHeadConfig(Width, Width, settings.HeadWidth, settings.Prompts, settings.Heads, Size, settings.AcousticPool);
        var options = settings.Trainer(null, FrameMatch.Nearest);

        // The raw baseline: one epoch of the same steps with nothing else (no validation, no early stopping).
        var bare = Stopwatch.StartNew();
        new HeadTrainer(options with { Epochs = 1, StopEarly = false }, reader)
            .Train(train, new AudioHead(config, new Random(settings.Seed)), new ImageAdapter(Size), null, null, CancellationToken.None);
        var epochSeconds = bare.Elapsed.TotalSeconds;

        var audio = new AudioHead(config, new Random(settings.Seed));
        var image = new ImageAdapter(Size);
        var validating = TimeSpan.Zero;
        double Validate()
        {
            var clock = Stopwatch.StartNew();
            var score = PromotionGate.Mean(HeadEvaluator.Evaluate(validation, audio, image, reader).AudioToImage);
            validating += clock.Elapsed;
            return score;
        }
        var zeroShot = HeadEvaluator.Evaluate(validation, null, null, reader).AudioToImage.R1;
        var trainer = new HeadTrainer(options, reader);
        var run = Stopwatch.StartNew();
        trainer.Train(train, audio, image, null, null, CancellationToken.None, Validate);
        var seconds = run.Elapsed.TotalSeconds;
        var r1 = HeadEvaluator.Evaluate(validation, audio, image, reader).AudioToImage.R1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {seconds / 60:F1} min ({seconds * 1000 / trainPairs:F0} s per 1,000 pairs), {trainer.EpochsDone} epochs, {trainer.Steps} steps, best epoch {trainer.BestEpoch}, " +
            $"validating {validating.TotalSeconds / seconds:P0} of it; stopped: {trainer.StopReason}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baseline: a bare epoch {epochSeconds:F1} s, so the run took {seconds / epochSeconds:F1} bare epochs; held-out audio->image R@1 {r1:F2} (version 0: {zeroShot:F2}, chance {1.0 / Classes:F2})"));
        Console.WriteLine();
    }

    /// <summary>
    /// Pairs of <see cref="Classes"/> classes, an image each: a recording's frames are its class's pattern plus its voice
    /// (an offset of its own) plus noise, its transcript features noise. Validation recordings have voices of their own.
    /// </summary>
    private static (List<PairGroup> Train, List<PairGroup> Validation, MemoryReader Reader) Task(int trainPairs)
    {
        var random = new Random(7);
        var patterns = Tensor.RandomNormal(random, 1, Classes, Width).ToArray();
        var images = Tensor.RandomNormal(random, 1, Classes, Size).ToArray();
        // Transcripts that say nothing: every recording shares the same token states (no memory per recording).
        var tokens = Tensor.RandomNormal(random, 1, 77, Width);
        var inputs = new Dictionary<SegmentFeatures, AudioHeadInput>(ReferenceEqualityComparer.Instance);
        List<PairGroup> Make(int count, long firstId)
        {
            var groups = new List<PairGroup>();
            for (var n = 0; n < count; n++)
            {
                var c = n % Classes;
                var voice = Tensor.RandomNormal(random, 0.7f, Width).ToArray();
                var states = new float[Frames * Width];
                for (var f = 0; f < Frames; f++)
                {
                    for (var d = 0; d < Width; d++)
                    {
                        states[f * Width + d] = 0.5f * patterns[c * Width + d] + voice[d] + (float)(random.NextDouble() * 2 - 1);
                    }
                }
                var embeds = Tensor.RandomNormal(random, 1, Size).ToArray();
                var segment = new SegmentFeatures(0, 0, 5, embeds, $"memory:{firstId + n}", $"memory:{firstId + n}");
                inputs[segment] = new AudioHeadInput(tokens, Tokens, embeds, Tensor.FromArray(states, Frames, Width));
                groups.Add(new PairGroup(firstId + n, c, [segment], [new FrameFeatures(c, images.AsSpan(c * Size, Size).ToArray())]));
            }
            return groups;
        }
        return (Make(trainPairs, 0), Make(trainPairs / 10, 1_000_000), new MemoryReader(inputs));
    }
}
