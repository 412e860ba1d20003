
namespace BrewClip.Autograd.Tests;

public sealed class EngineTests
{
    [Fact]
    public void Gradients_accumulate_across_backward_passes_until_zeroed()
    {
        var w = Tensor.FromArray([1f, 2f, 3f], 3).RequireGrad();
        Ops.Sum(Ops.Scale(w, 2f)).Backward();
        Ops.Sum(Ops.Scale(w, 3f)).Backward();
        Assert.Equal([5f, 5f, 5f], w.Grad!.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);
    }

    [Fact]
    public void A_tensor_used_twice_receives_both_gradients()
    {
        var x = Tensor.FromArray([3f], 1).RequireGrad();
        Ops.Sum(Ops.Multiply(x, x)).Backward(); // d(x²)/dx = 2x
        Assert.Equal(6f, x.Grad!.Item());
    }

    [Fact]
    public void No_graph_is_recorded_with_gradients_off()
    {
        var w = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        Tensor y;
        using (GradMode.Disable())
        {
            y = Ops.Sum(Ops.Multiply(w, w));
        }
        Assert.False(y.RequiresGrad);
        Assert.Throws<InvalidOperationException>(y.Backward);
        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public void Backward_needs_a_scalar()
    {
        var w = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        Assert.Throws<InvalidOperationException>(() => Ops.Scale(w, 2).Backward());
    }

    [Fact]
    public void Results_of_constants_do_not_require_gradients()
    {
        var y = Ops.Add(Tensor.Full(1f, 2), Tensor.Full(2f, 2));
        Assert.False(y.RequiresGrad);
        Assert.Equal([3f, 3f], y.ToArray());
    }

    [Fact]
    public void Views_share_storage_and_copies_do_not()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var t = Ops.Transpose(x);
        Assert.Equal([3, 2], t.Shape);
        Assert.False(t.IsContiguous);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], t.ToArray());
        x[0, 1] = 20f;
        Assert.Equal(20f, t[1, 0]);
        var s = Ops.Slice(x, 1, 1, 2);
        Assert.Equal([20f, 3f, 5f, 6f], s.ToArray());
        Assert.Equal([1f, 20f, 3f, 4f, 5f, 6f, 1f, 20f, 3f], Ops.Concat([x, Ops.Slice(x, 0, 0, 1)], 0).ToArray());
    }

    [Fact]
    public void Broadcast_follows_numpy_rules()
    {
        var a = Tensor.FromArray([1f, 2f, 3f], 3, 1);
        var b = Tensor.FromArray([10f, 20f], 2);
        Assert.Equal([11f, 21f, 12f, 22f, 13f, 23f], Ops.Add(a, b).ToArray());
        Assert.Throws<ArgumentException>(() => Ops.Add(Tensor.Zeros(2, 3), Tensor.Zeros(2)));
    }

    [Fact]
    public void Matmul_of_a_known_product()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var b = Tensor.FromArray([7f, 8f, 9f, 10f, 11f, 12f], 3, 2);
        Assert.Equal([58f, 64f, 139f, 154f], Ops.MatMul(a, b).ToArray());
        Assert.Equal([50f, 68f, 122f, 167f], Ops.MatMul(a, Ops.Transpose(Tensor.FromArray([7f, 8f, 9f, 10f, 11f, 12f], 2, 3))).ToArray());
    }
}
