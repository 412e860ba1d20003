using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Optim;

namespace BrewClip.Autograd.Tests;

/// <summary>Small models trained with InfoNCE on synthetic pairing tasks, then judged on held-out pairs.</summary>
public sealed class TrainingTests
{
    /// <summary>Two views of hidden items: view A and view B are different noisy linear maps of the same latent.</summary>
    private sealed record PairTask(Tensor A, Tensor B);

    private static PairTask MakeLinearViews(int count, int seed)
    {
        var random = new Random(seed);
        var latent = Tensor.RandomNormal(random, 1, count, 12);
        var mapA = Tensor.RandomNormal(new Random(1000), 0.5f, 12, 24);
        var mapB = Tensor.RandomNormal(new Random(2000), 0.5f, 12, 20);
        var a = Ops.Add(Ops.MatMul(latent, mapA), Tensor.RandomNormal(random, 0.05f, count, 24));
        var b = Ops.Gelu(Ops.Add(Ops.MatMul(latent, mapB), Tensor.RandomNormal(random, 0.05f, count, 20)));
        return new PairTask(a, b);
    }

    private sealed class Tower : Module
    {
        public Tower(int input, Random random)
        {
            Hidden = AddModule("hidden", new Linear(input, 64, random));
            Project = AddModule("project", new Linear(64, 32, random));
        }

        public Linear Hidden { get; }

        public Linear Project { get; }

        public Tensor Forward(Tensor x) => Ops.L2Normalize(Project.Forward(Ops.Gelu(Hidden.Forward(x))));
    }

    private sealed class TwoTowers : Module
    {
        public TwoTowers(int seed)
        {
            var random = new Random(seed);
            A = AddModule("a", new Tower(24, random));
            B = AddModule("b", new Tower(20, random));
            LogScale = AddParameter("log_scale", Tensor.FromArray([MathF.Log(1 / 0.07f)], 1));
        }

        public Tower A { get; }

        public Tower B { get; }

        public Parameter LogScale { get; }
    }

    private static (float Recall, List<float> Losses) TrainTwoTowers(int seed)
    {
        var train = MakeLinearViews(512, seed: 1);
        var test = MakeLinearViews(100, seed: 2);
        var model = new TwoTowers(seed);
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 3e-3f, weightDecay: 1e-4f);
        var schedule = new WarmupCosineSchedule(3e-3f, warmupSteps: 10, totalSteps: 160);
        var batchRandom = new Random(seed);
        var losses = new List<float>();
        for (var step = 0; step < 160; step++)
        {
            var rows = Enumerable.Range(0, 512).OrderBy(_ => batchRandom.Next()).Take(64).ToArray();
            var loss = Ops.SymmetricInfoNce(model.A.Forward(Rows(train.A, rows)), model.B.Forward(Rows(train.B, rows)), model.LogScale);
            optimizer.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipGlobalNorm(model.Parameters(), 1f);
            optimizer.LearningRate = schedule.At(step);
            optimizer.Step();
            losses.Add(loss.Item());
        }
        using var _ = GradMode.Disable();
        return (RecallAt1(model.A.Forward(test.A), model.B.Forward(test.B)), losses);
    }

    [Fact]
    public void Two_towers_trained_with_info_nce_retrieve_held_out_pairs()
    {
        var (recall, losses) = TrainTwoTowers(seed: 7);
        Assert.True(recall >= 0.95f, $"held-out Recall@1 {recall} (losses from {losses[0]} to {losses[^1]})");
        Assert.True(losses[^1] < losses[0] / 4, $"loss went from {losses[0]} to {losses[^1]}");
    }

    [Fact]
    public void A_seeded_run_repeats_exactly()
    {
        var first = TrainTwoTowers(seed: 11).Losses.Take(20).ToArray();
        var second = TrainTwoTowers(seed: 11).Losses.Take(20).ToArray();
        Assert.Equal(first, second);
    }

    /// <summary>
    /// Token sequences of varying length (padded) against a "scene" vector that depends on which tokens
    /// occur: the sequence tower (embedding, a transformer layer with a key-padding mask, masked mean
    /// pooling) must learn the pairing.
    /// </summary>
    private sealed class SequenceTower : Module
    {
        public SequenceTower(Random random)
        {
            Tokens = AddModule("tokens", new Embedding(40, 32, random, std: 0.5f));
            Layer = AddModule("layer", new TransformerEncoderLayer(32, 4, 64, random, dropout: 0.05f));
            Project = AddModule("project", new Linear(32, 32, random));
        }

        public Embedding Tokens { get; }

        public TransformerEncoderLayer Layer { get; }

        public Linear Project { get; }

        public Tensor Forward(int[] tokens, bool[] padding, int batch, int time)
        {
            var states = Layer.Forward(Tokens.Forward(tokens, batch, time), padding);
            var weights = new float[batch * time];
            for (var b = 0; b < batch; b++)
            {
                var valid = Enumerable.Range(0, time).Count(t => !padding[b * time + t]);
                for (var t = 0; t < time; t++)
                {
                    weights[b * time + t] = padding[b * time + t] ? 0 : 1f / valid;
                }
            }
            var pooled = Ops.Sum(Ops.Multiply(states, Tensor.FromArray(weights, batch, time, 1)), 1);
            return Ops.L2Normalize(Project.Forward(pooled));
        }
    }

    [Fact]
    public void Transformer_layer_learns_a_padded_sequence_pairing()
    {
        const int time = 8, vocabulary = 40, pad = 0;
        var sceneTable = Tensor.RandomNormal(new Random(3), 1, vocabulary, 16).ToArray();
        (int[] Tokens, bool[] Padding, Tensor Scenes) Make(int count, int seed)
        {
            var random = new Random(seed);
            var tokens = new int[count * time];
            var padding = new bool[count * time];
            var scenes = new float[count * 16];
            for (var i = 0; i < count; i++)
            {
                var length = random.Next(4, time + 1);
                for (var t = 0; t < time; t++)
                {
                    var token = t < length ? random.Next(1, vocabulary) : pad;
                    tokens[i * time + t] = token;
                    padding[i * time + t] = t >= length;
                    if (t < length)
                    {
                        for (var d = 0; d < 16; d++)
                        {
                            scenes[i * 16 + d] += sceneTable[token * 16 + d];
                        }
                    }
                }
            }
            return (tokens, padding, Tensor.FromArray(scenes, count, 16));
        }

        var random = new Random(5);
        var tower = new SequenceTower(random);
        var scene = new Tower(16, random);
        var logScale = new Parameter(Tensor.FromArray([MathF.Log(1 / 0.07f)], 1));
        var parameters = tower.NamedParameters().Concat(scene.NamedParameters().Select(p => ("scene." + p.Name, p.Parameter)))
            .Append(("log_scale", logScale)).ToList();
        var optimizer = new AdamW(parameters, learningRate: 2e-3f, weightDecay: 1e-4f);
        var schedule = new WarmupCosineSchedule(2e-3f, warmupSteps: 10, totalSteps: 200);
        var train = Make(1024, seed: 1);
        var test = Make(100, seed: 2);
        var batchRandom = new Random(9);
        const int batch = 64;
        for (var step = 0; step < 200; step++)
        {
            var rows = Enumerable.Range(0, 1024).OrderBy(_ => batchRandom.Next()).Take(batch).ToArray();
            var tokens = rows.SelectMany(r => train.Tokens.AsSpan(r * time, time).ToArray()).ToArray();
            var padding = rows.SelectMany(r => train.Padding.AsSpan(r * time, time).ToArray()).ToArray();
            var loss = Ops.SymmetricInfoNce(tower.Forward(tokens, padding, batch, time), scene.Forward(Rows(train.Scenes, rows)), logScale);
            optimizer.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipGlobalNorm(parameters.Select(p => p.Item2), 1f);
            optimizer.LearningRate = schedule.At(step);
            optimizer.Step();
        }

        tower.Training = false;
        using var _ = GradMode.Disable();
        var recall = RecallAt1(tower.Forward(test.Tokens, test.Padding, 100, time), scene.Forward(test.Scenes));
        Assert.True(recall >= 0.9f, $"held-out Recall@1 {recall}");
    }

    private static Tensor Rows(Tensor x, int[] rows)
    {
        var width = x.Shape[1];
        var values = x.ToArray();
        var data = new float[rows.Length * width];
        for (var i = 0; i < rows.Length; i++)
        {
            values.AsSpan(rows[i] * width, width).CopyTo(data.AsSpan(i * width, width));
        }
        return Tensor.FromArray(data, rows.Length, width);
    }

    /// <summary>Fraction of rows of a whose most similar row of b is its own pair.</summary>
    private static float RecallAt1(Tensor a, Tensor b)
    {
        var similarity = Ops.MatMul(a, Ops.Transpose(b)).ToArray();
        var n = a.Shape[0];
        var hits = 0;
        for (var i = 0; i < n; i++)
        {
            var row = similarity.AsSpan(i * n, n);
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == i)
            {
                hits++;
            }
        }
        return hits / (float)n;
    }
}
