namespace BrewClip.Onnx.Tests;

internal static class Fixtures
{
    /// <summary>tests/fixtures/onnx/arith.onnx: y = x·W + b (W[i,j] = (3i + j)/10, b = [1, 2, 3]), id_sum = Σ ids, h2 = 2h.</summary>
    public static string Arith => Path.Combine(AppContext.BaseDirectory, "fixtures", "arith.onnx");

    /// <summary>The expected y for one row of x, worked out from the weights the fixture script sets.</summary>
    public static float[] ExpectedY(ReadOnlySpan<float> x)
    {
        var y = new float[] { 1, 2, 3 };
        for (var j = 0; j < 3; j++)
        {
            for (var i = 0; i < 4; i++)
            {
                y[j] += x[i] * (3 * i + j) / 10f;
            }
        }
        return y;
    }
}
