namespace BrewClip.Autograd.Nn;

/// <summary>
/// A pre-LN transformer encoder layer (as in CLIP and Whisper):
/// x + Attention(LN(x)), then + MLP(LN(x)) with MLP = Linear -> GELU -> Linear.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly float _dropout;
    private readonly Random _random;

    public TransformerEncoderLayer(int dim, int heads, int feedForward, Random random, float dropout = 0f)
    {
        _dropout = dropout;
        _random = random;
        AttentionNorm = AddModule("attention_norm", new LayerNorm(dim));
        Attention = AddModule("attention", new MultiHeadSelfAttention(dim, heads, random, dropout));
        MlpNorm = AddModule("mlp_norm", new LayerNorm(dim));
        Up = AddModule("mlp_up", new Linear(dim, feedForward, random));
        Down = AddModule("mlp_down", new Linear(feedForward, dim, random));
    }

    public LayerNorm AttentionNorm { get; }

    public MultiHeadSelfAttention Attention { get; }

    public LayerNorm MlpNorm { get; }

    public Linear Up { get; }

    public Linear Down { get; }

    /// <param name="x">[batch, time, dim]</param>
    /// <param name="keyPadding">[batch, time], true where a position is padding.</param>
    public Tensor Forward(Tensor x, bool[]? keyPadding = null)
    {
        x = Ops.Add(x, Drop(Attention.Forward(AttentionNorm.Forward(x), keyPadding)));
        return Ops.Add(x, Drop(Down.Forward(Ops.Gelu(Up.Forward(MlpNorm.Forward(x))))));
    }

    private Tensor Drop(Tensor x) => Training && _dropout > 0 ? Ops.Dropout(x, _dropout, _random) : x;
}
