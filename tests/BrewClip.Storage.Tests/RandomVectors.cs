namespace BrewClip.Storage.Tests;

internal static class RandomVectors
{
    /// <summary>Unit vectors with normally distributed components, from a fixed seed.</summary>
    public static float[][] Unit(int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var v = new float[dimensions];
            double norm = 0;
            for (var i = 0; i < dimensions; i++)
            {
                // Box-Muller
                var g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                v[i] = (float)g;
                norm += g * g;
            }
            var scale = (float)(1 / Math.Sqrt(norm));
            for (var i = 0; i < dimensions; i++)
            {
                v[i] *= scale;
            }
            return v;
        }).ToArray();
    }

    /// <summary>What a halfvec stores for a float: the nearest float16.</summary>
    public static float[] RoundToHalf(float[] v) => v.Select(x => (float)(Half)x).ToArray();

    public static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return 1 - dot / Math.Sqrt(na * nb);
    }
}
