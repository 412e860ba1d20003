namespace BrewClip.Autograd.Nn;

/// <summary>
/// Multi-head self-attention over [batch, time, dim]: softmax(Q Kᵀ / √d_head) V per head, with an
/// optional key-padding mask [batch, time] (true = padding, never attended to).
/// </summary>
public sealed class MultiHeadSelfAttention : Module
{
    private readonly int _heads;
    private readonly float _dropout;
    private readonly Random _random;

    public MultiHeadSelfAttention(int dim, int heads, Random random, float dropout = 0f)
    {
        if (dim % heads != 0)
        {
            throw new ArgumentException($"Model width {dim} is not divisible by {heads} heads.");
        }
        _heads = heads;
        _dropout = dropout;
        _random = random;
        Query = AddModule("query", new Linear(dim, dim, random));
        Key = AddModule("key", new Linear(dim, dim, random));
        Value = AddModule("value", new Linear(dim, dim, random));
        Output = AddModule("output", new Linear(dim, dim, random));
    }

    public Linear Query { get; }

    public Linear Key { get; }

    public Linear Value { get; }

    public Linear Output { get; }

    public Tensor Forward(Tensor x, bool[]? keyPadding = null)
    {
        var (batch, time, dim) = (x.Shape[0], x.Shape[1], x.Shape[2]);
        var headDim = dim / _heads;
        Tensor Heads(Tensor t) => Ops.Transpose(Ops.Reshape(t, batch, time, _heads, headDim), 1, 2); // [B, H, T, Dh]

        var q = Heads(Query.Forward(x));
        var k = Heads(Key.Forward(x));
        var v = Heads(Value.Forward(x));
        var scores = Ops.Scale(Ops.MatMul(q, Ops.Transpose(k)), 1 / MathF.Sqrt(headDim)); // [B, H, T, T]
        if (keyPadding is not null)
        {
            if (keyPadding.Length != batch * time)
            {
                throw new ArgumentException($"Key-padding mask needs batch·time = {batch * time} values; got {keyPadding.Length}.");
            }
            scores = Ops.MaskedFill(scores, keyPadding, [batch, 1, 1, time], float.NegativeInfinity);
        }
        var weights = Ops.Softmax(scores);
        if (Training && _dropout > 0)
        {
            weights = Ops.Dropout(weights, _dropout, _random);
        }
        var context = Ops.Reshape(Ops.Transpose(Ops.MatMul(weights, v), 1, 2), batch, time, dim);
        return Output.Forward(context);
    }
}
