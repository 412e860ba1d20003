using BrewClip.Autograd;
using BrewClip.Models.Heads;

namespace BrewClip.Models.Tests;

public sealed class AudioHeadTests
{
    private static readonly AudioHeadConfig Config = new(TextWidth: 16, WhisperWidth: 12, HeadWidth: 8, Prompts: 3, Heads: 2, EmbeddingSize: 10);

    private static (Tensor Tokens, Tensor Embeds, Tensor Whisper) Inputs(int seed)
    {
        var random = new Random(seed);
        return (Tensor.RandomNormal(random, 1, 77, 16), Tensor.RandomNormal(random, 1, 10), Tensor.RandomNormal(random, 1, 40, 12));
    }

    [Fact]
    public void An_untrained_head_gives_clips_normalised_text_embedding()
    {
        var head = new AudioHead(Config, new Random(1));
        var (tokens, embeds, whisper) = Inputs(2);
        using var _ = GradMode.Disable();

        var vector = head.Forward(tokens, 6, embeds, whisper).ToArray();

        var norm = MathF.Sqrt(embeds.ToArray().Sum(v => v * v));
        Assert.Equal(embeds.ToArray().Select(v => v / norm).ToArray(), vector);
    }

    [Fact]
    public void A_trained_head_uses_both_channels()
    {
        var head = new AudioHead(Config, new Random(1));
        var random = new Random(3);
        head.TextOut.Weight.Load(Tensor.RandomNormal(random, 0.5f, 10, 16).ToArray());
        head.AudioOut.Weight.Load(Tensor.RandomNormal(random, 0.5f, 10, 8).ToArray());
        head.AcousticGate.Load([1f]);
        var (tokens, embeds, whisper) = Inputs(2);
        var (_, _, otherWhisper) = Inputs(9);
        using var _ = GradMode.Disable();

        var a = head.Forward(tokens, 6, embeds, whisper).ToArray();
        var b = head.Forward(tokens, 6, embeds, otherWhisper).ToArray();
        var c = head.Forward(tokens, 7, embeds, whisper).ToArray();

        Assert.NotEqual(a, b); // the acoustic channel hears the audio
        Assert.NotEqual(a, c); // the pipeline channel reads the tokens up to the end token
        Assert.Equal(1, MathF.Sqrt(a.Sum(v => v * v)), 5);
    }

    [Fact]
    public void Saved_heads_load_back_to_the_same_outputs()
    {
        var head = new AudioHead(Config, new Random(1));
        head.AudioOut.Weight.Load(Tensor.RandomNormal(new Random(4), 0.5f, 10, 8).ToArray());
        head.AcousticGate.Load([0.7f]);
        var folder = Directory.CreateTempSubdirectory("brewclip-head-").FullName;
        head.Save(folder);
        var loaded = AudioHead.Load(folder);
        var (tokens, embeds, whisper) = Inputs(5);
        using var _ = GradMode.Disable();
        Assert.Equal(head.Forward(tokens, 5, embeds, whisper).ToArray(), loaded.Forward(tokens, 5, embeds, whisper).ToArray());
    }

    [Fact]
    public void Gradients_reach_every_parameter()
    {
        var head = new AudioHead(Config, new Random(1));
        head.TextOut.Weight.Load(Tensor.RandomNormal(new Random(6), 0.5f, 10, 16).ToArray());
        head.AudioOut.Weight.Load(Tensor.RandomNormal(new Random(7), 0.5f, 10, 8).ToArray());
        head.AcousticGate.Load([0.5f]);
        var (tokens, embeds, whisper) = Inputs(8);
        var target = Tensor.RandomNormal(new Random(9), 1, 1, 10);
        Ops.Sum(Ops.Multiply(head.Forward(tokens, 6, embeds, whisper), target)).Backward();
        Assert.All(head.NamedParameters(), p => Assert.True(p.Parameter.Value.Grad is not null, $"{p.Name} got no gradient"));
    }

    private static AudioHead TrainedLooking(AudioHeadConfig config)
    {
        var head = new AudioHead(config, new Random(1));
        var random = new Random(11);
        head.TextOut.Weight.Load(Tensor.RandomNormal(random, 0.5f, config.EmbeddingSize, config.TextWidth).ToArray());
        head.AcousticGate.Load([0.8f]);
        return head;
    }

    [Fact]
    public void A_batch_of_segments_of_different_lengths_gives_each_rows_own_unbatched_vector()
    {
        var head = TrainedLooking(Config);
        var inputs = new (int Length, int Frames, int Seed)[] { (6, 40, 20), (3, 17, 21), (9, 1, 22), (6, 33, 23) }.Select(spec =>
        {
            var random = new Random(spec.Seed);
            return new AudioHeadInput(Tensor.RandomNormal(random, 1, 77, 16), spec.Length, Tensor.RandomNormal(random, 1, 10).ToArray(),
                Tensor.RandomNormal(random, 1, spec.Frames, 12));
        }).ToList();
        using var _ = GradMode.Disable();

        var batched = head.Forward(inputs);

        for (var i = 0; i < inputs.Count; i++)
        {
            var alone = head.Forward([inputs[i]]);
            AssertClose(alone.Fused.ToArray(), batched.Fused.ToArray().AsSpan(i * 10, 10).ToArray());
            AssertClose(alone.Pipeline!.ToArray(), batched.Pipeline!.ToArray().AsSpan(i * 10, 10).ToArray());
            AssertClose(alone.Acoustic!.ToArray(), batched.Acoustic!.ToArray().AsSpan(i * 10, 10).ToArray());
        }
    }

    [Fact]
    public void The_untrained_acoustic_channel_is_a_unit_vector_that_depends_on_the_audio()
    {
        var head = new AudioHead(Config, new Random(1));
        var (tokens, embeds, whisper) = Inputs(2);
        var (_, _, other) = Inputs(3);
        using var _ = GradMode.Disable();
        var a = head.Forward([new AudioHeadInput(tokens, 6, embeds.ToArray(), whisper)], AudioChannels.Acoustic).Fused.ToArray();
        var b = head.Forward([new AudioHeadInput(tokens, 6, embeds.ToArray(), other)], AudioChannels.Acoustic).Fused.ToArray();
        Assert.Equal(1, MathF.Sqrt(a.Sum(v => v * v)), 5);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Frame_pooling_averages_consecutive_frames()
    {
        var pooled = new AudioHead(Config with { FramePool = 4 }, new Random(1));
        var plain = new AudioHead(Config, new Random(1));
        var (tokens, embeds, whisper) = Inputs(2); // 40 frames
        var values = whisper.ToArray();
        var averaged = new float[10 * 12];
        for (var g = 0; g < 10; g++)
        {
            for (var d = 0; d < 12; d++)
            {
                averaged[g * 12 + d] = Enumerable.Range(0, 4).Average(f => values[(g * 4 + f) * 12 + d]);
            }
        }
        using var _ = GradMode.Disable();
        var a = pooled.Forward([new AudioHeadInput(tokens, 6, embeds.ToArray(), whisper)], AudioChannels.Acoustic).Fused.ToArray();
        var b = plain.Forward([new AudioHeadInput(tokens, 6, embeds.ToArray(), Tensor.FromArray(averaged, 10, 12))], AudioChannels.Acoustic).Fused.ToArray();
        AssertClose(b, a);
    }

    [Fact]
    public void Heads_saved_before_the_gate_existed_load_with_both_channels_summed()
    {
        var head = TrainedLooking(Config);
        var folder = Directory.CreateTempSubdirectory("brewclip-head-").FullName;
        head.Save(folder);
        var weights = Path.Combine(folder, AudioHead.WeightsFile);
        var (tensors, _) = BrewClip.Autograd.Safetensors.SafetensorsFile.Read(weights);
        BrewClip.Autograd.Safetensors.SafetensorsFile.Write(weights, tensors.Where(t => t.Key != "acoustic_gate").ToList());

        var loaded = AudioHead.Load(folder);

        Assert.Equal(1f, loaded.AcousticGate.Value.Item());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) < 1e-5f, $"[{i}] {expected[i]} vs {actual[i]}");
        }
    }
}
