
namespace BrewClip.Autograd.Tests;

/// <summary>Forward values against answers computed independently (closed forms and reference values).</summary>
public sealed class KnownAnswerTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1e-3, 0.0011283787909692363)]
    [InlineData(0.3, 0.32862675945912745)]
    [InlineData(-0.3, -0.32862675945912745)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(-3.5, -0.9999992569016276)]
    public void Erf_matches_reference_values(double x, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.Erf((float)x), 2e-7);
        if (x != 0 && Math.Abs(x) < 0.5)
        {
            Assert.Equal(1, SpecialFunctions.Erf((float)x) / expected, 1e-6);
        }
    }

    [Fact]
    public void Gelu_is_the_erf_form()
    {
        // x·Φ(x): Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145707, Φ(0.5) = 0.6914624612740131.
        var y = Ops.Gelu(Tensor.FromArray([1f, -1f, 0.5f, 0f], 4)).ToArray();
        Assert.Equal(0.8413447460685429, y[0], 6);
        Assert.Equal(-0.15865525393145707, y[1], 6);
        Assert.Equal(0.34573123063700656, y[2], 6);
        Assert.Equal(0, y[3]);
    }

    [Fact]
    public void Softmax_of_a_known_row_and_a_masked_row()
    {
        var y = Ops.Softmax(Tensor.FromArray([0f, MathF.Log(3f), float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], 2, 3)).ToArray();
        Assert.Equal(0.25, y[0], 6);
        Assert.Equal(0.75, y[1], 6);
        Assert.Equal(0f, y[2]);
        Assert.Equal([0f, 0f, 0f], y[3..]);
        var log = Ops.LogSoftmax(Tensor.FromArray([1000f, 1000f], 1, 2)).ToArray();
        Assert.Equal(-Math.Log(2), log[0], 6);
    }

    [Fact]
    public void Layer_norm_of_a_known_row()
    {
        // mean 2.5, biased variance 1.25
        var y = Ops.LayerNorm(Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4), Tensor.FromArray([1f, 1f, 2f, 1f], 4), Tensor.FromArray([0f, 0f, 0f, 10f], 4), eps: 0f).ToArray();
        var s = Math.Sqrt(1.25);
        Assert.Equal(-1.5 / s, y[0], 5);
        Assert.Equal(-0.5 / s, y[1], 5);
        Assert.Equal(2 * 0.5 / s, y[2], 5);
        Assert.Equal(1.5 / s + 10, y[3], 5);
    }

    [Fact]
    public void Cross_entropy_of_known_logits()
    {
        var loss = Ops.CrossEntropy(Tensor.FromArray([0f, 0f, MathF.Log(2f), 1f, 1f, 1f], 2, 3), [2, 0]).Item();
        Assert.Equal((-Math.Log(0.5) - Math.Log(1.0 / 3)) / 2, loss, 6);
    }

    [Fact]
    public void Info_nce_matches_its_definition_and_masks_shared_items()
    {
        var random = new Random(3);
        var a = Ops.L2Normalize(Tensor.RandomNormal(random, 1, 4, 6));
        var b = Ops.L2Normalize(Tensor.RandomNormal(random, 1, 4, 6));
        var logScale = MathF.Log(1 / 0.07f);
        var items = new[] { 1, 2, 1, 3 };

        var loss = Ops.SymmetricInfoNce(a, b, Tensor.FromArray([logScale], 1), Ops.SharedItemMask(items)).Item();

        var (av, bv) = (a.ToArray(), b.ToArray());
        double Logit(int i, int j) => Enumerable.Range(0, 6).Sum(d => (double)av[i * 6 + d] * bv[j * 6 + d]) / 0.07;
        double Direction(Func<int, int, double> logit)
        {
            double total = 0;
            for (var i = 0; i < 4; i++)
            {
                var denominator = Enumerable.Range(0, 4).Where(j => j == i || items[j] != items[i]).Sum(j => Math.Exp(logit(i, j)));
                total += -(logit(i, i) - Math.Log(denominator));
            }
            return total / 4;
        }
        var expected = (Direction(Logit) + Direction((i, j) => Logit(j, i))) / 2;
        Assert.Equal(expected, loss, 4);
    }

    [Fact]
    public void Temperature_is_capped_at_a_scale_of_100()
    {
        var a = Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2);
        var capped = Ops.SymmetricInfoNce(a, a, Tensor.FromArray([10f], 1)).Item();
        var at100 = Ops.SymmetricInfoNce(a, a, Tensor.FromArray([MathF.Log(100f)], 1)).Item();
        Assert.Equal(at100, capped, 6);
    }

    [Fact]
    public void Dropout_is_reproducible_with_a_seed_and_keeps_the_expected_value()
    {
        var x = Tensor.Full(1f, 100_000);
        var first = Ops.Dropout(x, 0.25f, new Random(42)).ToArray();
        var second = Ops.Dropout(x, 0.25f, new Random(42)).ToArray();
        Assert.Equal(first, second);
        Assert.Equal(1.0, first.Average(), 2);
        Assert.Equal(0.25, first.Count(v => v == 0) / (double)first.Length, 2);
    }
}
