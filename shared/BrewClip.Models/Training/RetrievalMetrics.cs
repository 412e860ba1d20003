using System.Numerics.Tensors;

namespace BrewClip.Models.Training;

public static class RetrievalMetrics
{
    /// <summary>
    /// Recall of recordings against images. A recording is its segments' unit vectors, an image item its
    /// frames' (one for a still); their similarity is the best pair of the two, as the index's
    /// images_for_recording and recordings_for_image score. A query's rank is 1 + the number of wrong
    /// answers scoring at least as high as its best right one, so ties count against it.
    /// </summary>
    public static RetrievalReport Compute(IReadOnlyList<float[][]> recordings, IReadOnlyList<float[][]> images, IReadOnlyCollection<(int Recording, int Image)> positives)
    {
        var (n, m) = (recordings.Count, images.Count);
        var scores = new float[n * m];
        Parallel.For(0, n, i =>
        {
            for (var j = 0; j < m; j++)
            {
                var best = float.NegativeInfinity;
                foreach (var a in recordings[i])
                {
                    foreach (var b in images[j])
                    {
                        best = MathF.Max(best, TensorPrimitives.Dot(a, b));
                    }
                }
                scores[i * m + j] = best;
            }
        });
        return FromScores(scores, n, m, positives);
    }

    /// <summary>Recall both ways from a score matrix [recordings, images] (row-major), ranked as <see cref="Compute"/> ranks.</summary>
    public static RetrievalReport FromScores(float[] scores, int n, int m, IReadOnlyCollection<(int Recording, int Image)> positives)
    {
        var right = new HashSet<(int, int)>(positives);
        var audioRanks = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (Rank(j => scores[i * m + j], m, j => right.Contains((i, j))) is { } rank)
            {
                audioRanks.Add(rank);
            }
        }
        var imageRanks = new List<int>();
        for (var j = 0; j < m; j++)
        {
            if (Rank(i => scores[i * m + j], n, i => right.Contains((i, j))) is { } rank)
            {
                imageRanks.Add(rank);
            }
        }
        return new RetrievalReport(RecallOf(audioRanks), RecallOf(imageRanks), audioRanks.Count, imageRanks.Count);
    }

    private static int? Rank(Func<int, float> score, int count, Func<int, bool> isRight)
    {
        var best = float.NegativeInfinity;
        var any = false;
        for (var k = 0; k < count; k++)
        {
            if (isRight(k))
            {
                best = MathF.Max(best, score(k));
                any = true;
            }
        }
        if (!any)
        {
            return null;
        }
        var rank = 1;
        for (var k = 0; k < count; k++)
        {
            if (!isRight(k) && score(k) >= best)
            {
                rank++;
            }
        }
        return rank;
    }

    private static Recall RecallOf(List<int> ranks)
        => ranks.Count == 0
            ? new Recall(0, 0, 0)
            : new Recall(Share(ranks, 1), Share(ranks, 5), Share(ranks, 10));

    private static double Share(List<int> ranks, int k) => ranks.Count(r => r <= k) / (double)ranks.Count;
}
