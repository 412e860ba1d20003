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
        var (tokens, embeds, whisper) = Inputs(8);
        var target = Tensor.RandomNormal(new Random(9), 1, 1, 10);
        Ops.Sum(Ops.Multiply(head.Forward(tokens, 6, embeds, whisper), target)).Backward();
        Assert.All(head.NamedParameters(), p => Assert.True(p.Parameter.Value.Grad is not null, $"{p.Name} got no gradient"));
    }
}
