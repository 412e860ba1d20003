using System.Numerics.Tensors;

namespace BrewClip.Models.Training;

public static class RetrievalMetrics
{
    /// <summary>
    /// Recall of recordings against images. A recording is its segments' unit vectors, an image item its
    /// frames' (one for a still); their similarity is the best pair of the two, as the index's
    /// images_for_recording and recordings_for_image score. A query's best right answer ranks after every wrong
    /// answer scoring higher; wrong answers scoring the same tie with it, and a tie is scored as every order of it
    /// is equally likely (the expected recall over the ranks it spans), so vectors that all tie score chance.
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
        var audioRanks = new List<TiedRank>();
        for (var i = 0; i < n; i++)
        {
            if (Rank(j => scores[i * m + j], m, j => right.Contains((i, j))) is { } rank)
            {
                audioRanks.Add(rank);
            }
        }
        var imageRanks = new List<TiedRank>();
        for (var j = 0; j < m; j++)
        {
            if (Rank(i => scores[i * m + j], n, i => right.Contains((i, j))) is { } rank)
            {
                imageRanks.Add(rank);
            }
        }
        return new RetrievalReport(RecallOf(audioRanks), RecallOf(imageRanks), audioRanks.Count, imageRanks.Count)
        {
            AudioToImageByQuery = new QueryRecalls(audioRanks.Select(r => (r.RecallAt(1) + r.RecallAt(5) + r.RecallAt(10)) / 3).ToArray()),
        };
    }

    private static TiedRank? Rank(Func<int, float> score, int count, Func<int, bool> isRight)
    {
        // A NaN score is no evidence: it counts as the lowest, so it never ranks an answer first.
        float Score(int k) => float.IsNaN(score(k)) ? float.NegativeInfinity : score(k);
        var best = float.NegativeInfinity;
        var any = false;
        for (var k = 0; k < count; k++)
        {
            if (isRight(k))
            {
                best = MathF.Max(best, Score(k));
                any = true;
            }
        }
        if (!any)
        {
            return null;
        }
        var (above, tied) = (0, 0);
        for (var k = 0; k < count; k++)
        {
            if (!isRight(k))
            {
                var s = Score(k);
                above += s > best ? 1 : 0;
                tied += s == best ? 1 : 0;
            }
        }
        return new TiedRank(above, tied);
    }

    private static Recall RecallOf(List<TiedRank> ranks)
        => ranks.Count == 0
            ? new Recall(0, 0, 0)
            : new Recall(Expected(ranks, 1), Expected(ranks, 5), Expected(ranks, 10));

    private static double Expected(List<TiedRank> ranks, int k) => ranks.Sum(r => r.RecallAt(k)) / ranks.Count;

    /// <summary>
    /// The right answer's place: after <paramref name="Above"/> wrong answers that score higher, tied with
    /// <paramref name="Tied"/> that score the same, so it is at rank Above + 1 ... Above + Tied + 1, each as likely.
    /// </summary>
    private readonly record struct TiedRank(int Above, int Tied)
    {
        /// <summary>The chance it is within the first <paramref name="k"/>.</summary>
        public double RecallAt(int k) => Math.Clamp(k - Above, 0, Tied + 1) / (double)(Tied + 1);
    }
}
