using BrewClip.Autograd.Nn;

namespace BrewClip.Autograd.Tests;

public sealed class GradientTests
{
    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 1, 3, 1 })]
    [InlineData(new[] { 5 }, new[] { 1 })]
    public void Add_subtract_multiply_broadcast(int[] aShape, int[] bShape)
    {
        var a = GradientCheck.Random(1, aShape);
        var b = GradientCheck.Random(2, bShape);
        GradientCheck.Check(x => Ops.Add(x[0], x[1]), [a, b]);
        GradientCheck.Check(x => Ops.Subtract(x[0], x[1]), [a, b]);
        GradientCheck.Check(x => Ops.Multiply(x[0], x[1]), [a, b]);
    }

    [Fact]
    public void Divide_broadcasts()
    {
        var a = GradientCheck.Random(1, 2, 3);
        var b = Ops.AddScalar(Ops.Exp(GradientCheck.Random(2, 3)), 0.5f).Detach();
        GradientCheck.Check(x => Ops.Divide(x[0], x[1]), [a, b], step: 1e-3f);
    }

    [Fact]
    public void Scale_add_scalar_exp_log_clamp()
    {
        var x = GradientCheck.Random(3, 4, 5);
        GradientCheck.Check(t => Ops.Scale(t[0], -1.5f), [x]);
        GradientCheck.Check(t => Ops.AddScalar(t[0], 2f), [x]);
        GradientCheck.Check(t => Ops.Exp(t[0]), [x], step: 1e-3f);
        var positive = Ops.AddScalar(Ops.Exp(GradientCheck.Random(4, 4, 5)), 0.5f).Detach();
        GradientCheck.Check(t => Ops.Log(t[0]), [positive], step: 1e-3f);
        GradientCheck.Check(t => Ops.Clamp(t[0], -0.5f, 0.5f), [Tensor.FromArray([-1f, -0.2f, 0.1f, 0.3f, 0.9f], 5)], step: 1e-3f);
    }

    [Fact]
    public void Gelu_and_relu()
    {
        var x = GradientCheck.Random(5, 3, 7);
        GradientCheck.Check(t => Ops.Gelu(t[0]), [x], step: 1e-3f);
        // ReLU away from its kink.
        var away = Tensor.FromArray([-2f, -0.7f, 0.4f, 1.3f], 4);
        GradientCheck.Check(t => Ops.Relu(t[0]), [away], step: 1e-3f);
    }

    [Fact]
    public void Matmul_two_dimensional()
    {
        GradientCheck.Check(t => Ops.MatMul(t[0], t[1]), [GradientCheck.Random(1, 5, 7), GradientCheck.Random(2, 7, 3)]);
    }

    [Fact]
    public void Matmul_batched_with_broadcast_batch()
    {
        GradientCheck.Check(t => Ops.MatMul(t[0], t[1]), [GradientCheck.Random(1, 2, 3, 4, 5), GradientCheck.Random(2, 2, 1, 5, 6)]);
    }

    [Fact]
    public void Matmul_of_transposed_views()
    {
        GradientCheck.Check(t => Ops.MatMul(Ops.Transpose(t[0]), Ops.Transpose(t[1])), [GradientCheck.Random(1, 6, 4), GradientCheck.Random(2, 3, 6)]);
        GradientCheck.Check(t => Ops.MatMul(t[0], Ops.Transpose(t[1], 1, 2)), [GradientCheck.Random(3, 2, 4, 5), GradientCheck.Random(4, 2, 3, 5)]);
    }

    [Fact]
    public void Matmul_of_batch_by_matrix_and_linear()
    {
        GradientCheck.Check(t => Ops.MatMul(t[0], t[1]), [GradientCheck.Random(1, 2, 3, 4), GradientCheck.Random(2, 4, 5)]);
        GradientCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), [GradientCheck.Random(3, 2, 3, 4), GradientCheck.Random(4, 6, 4), GradientCheck.Random(5, 6)]);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void Sum_and_mean_over_an_axis(int axis, bool keepDim)
    {
        var x = GradientCheck.Random(6, 3, 4, 5);
        GradientCheck.Check(t => Ops.Sum(t[0], axis, keepDim), [x]);
        GradientCheck.Check(t => Ops.Mean(t[0], axis, keepDim), [x]);
    }

    [Fact]
    public void Sum_and_mean_of_everything()
    {
        var x = GradientCheck.Random(7, 3, 4);
        GradientCheck.Check(t => Ops.Sum(t[0]), [x]);
        GradientCheck.Check(t => Ops.Mean(t[0]), [x]);
    }

    [Fact]
    public void Layer_norm_for_input_gain_and_bias()
    {
        GradientCheck.Check(t => Ops.LayerNorm(t[0], t[1], t[2]),
            [GradientCheck.Random(8, 3, 2, 6), GradientCheck.Random(9, 6), GradientCheck.Random(10, 6)], step: 1e-3f);
    }

    [Fact]
    public void Softmax_and_log_softmax()
    {
        var x = GradientCheck.Random(11, 4, 6);
        GradientCheck.Check(t => Ops.Softmax(t[0]), [x], step: 1e-3f);
        GradientCheck.Check(t => Ops.LogSoftmax(t[0]), [x], step: 1e-3f);
    }

    [Fact]
    public void Masked_fill_passes_no_gradient_to_masked_entries()
    {
        var x = GradientCheck.Random(12, 2, 3, 4);
        var mask = new[] { false, true, false, false, true, false, false, true };
        GradientCheck.Check(t => Ops.Softmax(Ops.MaskedFill(t[0], mask, [2, 1, 4], float.NegativeInfinity)), [x], step: 1e-3f);
    }

    [Fact]
    public void Dropout_with_a_seeded_mask()
    {
        GradientCheck.Check(t => Ops.Dropout(t[0], 0.3f, new Random(5)), [GradientCheck.Random(13, 6, 5)]);
    }

    [Fact]
    public void Embedding_lookup_accumulates_repeated_rows()
    {
        GradientCheck.Check(t => Ops.Embedding(t[0], [3, 1, 3, 0, 2, 3], 2, 3), [GradientCheck.Random(14, 5, 4)]);
    }

    [Fact]
    public void L2_normalisation()
    {
        GradientCheck.Check(t => Ops.L2Normalize(t[0]), [GradientCheck.Random(15, 4, 6)], step: 1e-3f);
    }

    [Fact]
    public void Cross_entropy()
    {
        GradientCheck.Check(t => Ops.CrossEntropy(t[0], [2, 0, 4]), [GradientCheck.Random(16, 3, 5)], step: 1e-3f);
    }

    [Fact]
    public void Symmetric_info_nce_with_learnable_temperature_and_shared_item_mask()
    {
        var mask = Ops.SharedItemMask([10, 11, 10, 12, 13]);
        GradientCheck.Check(
            t => Ops.SymmetricInfoNce(Ops.L2Normalize(t[0]), Ops.L2Normalize(t[1]), t[2], mask),
            [GradientCheck.Random(17, 5, 8), GradientCheck.Random(18, 5, 8), Tensor.FromArray([MathF.Log(1 / 0.07f)], 1)],
            step: 1e-3f);
    }

    [Fact]
    public void Reshape_transpose_slice_concat()
    {
        var x = GradientCheck.Random(19, 2, 3, 4);
        var y = GradientCheck.Random(20, 2, 2, 4);
        GradientCheck.Check(t => Ops.Reshape(Ops.Transpose(t[0], 0, 2), 6, -1), [x]);
        GradientCheck.Check(t => Ops.Slice(t[0], 1, 1, 2), [x]);
        GradientCheck.Check(t => Ops.Concat([t[0], Ops.Scale(t[1], 2f), t[0]], 1), [x, y]);
        GradientCheck.Check(t => Ops.Multiply(Ops.Slice(Ops.Transpose(t[0], 1, 2), 2, 1, 2), Ops.Slice(t[0], 2, 0, 2)), [GradientCheck.Random(21, 2, 3, 3)]);
    }

    [Fact]
    public void The_check_catches_a_wrong_gradient()
    {
        // An op whose backward is off by a factor of two must fail the check.
        static Tensor WrongDouble(Tensor x)
        {
            var data = x.ToArray().Select(v => 2 * v).ToArray();
            return Ops.Result(data, (int[])x.Shape.Clone(), [x], g => x.AccumulateGrad(g));
        }
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradientCheck.Check(t => WrongDouble(t[0]), [GradientCheck.Random(30, 3, 3)]));
    }

    [Fact]
    public void Multi_head_attention_with_key_padding_mask()
    {
        var attention = new MultiHeadSelfAttention(8, 2, new Random(1));
        var x = GradientCheck.Random(22, 2, 5, 8);
        bool[] padding = [false, false, false, true, true, false, false, false, false, true];
        var parameters = attention.Parameters().Select(p => p.Value).ToArray();
        GradientCheck.Check(t => attention.Forward(t[0], padding), [x, .. parameters], step: 1e-3f, maxElementsPerInput: 20);
    }

    [Fact]
    public void Padding_positions_do_not_change_unpadded_outputs()
    {
        var attention = new MultiHeadSelfAttention(8, 2, new Random(1));
        var x = GradientCheck.Random(23, 1, 4, 8);
        bool[] padding = [false, false, true, true];
        var before = attention.Forward(x, padding).ToArray();
        x[0, 3, 5] += 10f;
        var after = attention.Forward(x, padding).ToArray();
        Assert.Equal(before[..16], after[..16]);
    }

    [Fact]
    public void Transformer_encoder_layer()
    {
        var layer = new TransformerEncoderLayer(8, 2, 16, new Random(2));
        var x = GradientCheck.Random(24, 2, 3, 8);
        bool[] padding = [false, false, true, false, false, false];
        var parameters = layer.Parameters().Select(p => p.Value).ToArray();
        GradientCheck.Check(t => layer.Forward(t[0], padding), [x, .. parameters], step: 1e-3f, maxElementsPerInput: 12);
    }
}
