using System.Globalization;

namespace BrewClip.Models.Training;

/// <summary>
/// Whether a trained candidate replaces the active version, judged on the same validation pairs. It must find images
/// from audio better (the audio->image mean of R@1, R@5 and R@10 up by more than <paramref name="minImprovement"/>,
/// the task the system exists for), by more than noise (the 95% interval of that gain, from a paired bootstrap over
/// the validation recordings, above zero), and must not find audio from images worse by more than
/// <paramref name="maxRegression"/>, nor typed text->image (each recording's transcript as a typed query) by more than that
/// either. With fewer than <paramref name="minValidationRecordings"/> validation recordings
/// it cannot judge and does not promote. Ties are scored at chance by <see cref="RetrievalMetrics"/>, so a candidate
/// that only breaks the active version's ties gains nothing here.
/// </summary>
public sealed class PromotionGate(double minImprovement, double maxRegression, int minValidationRecordings = 1)
{
    /// <summary>Resamples of the paired bootstrap (seeded: the same reports give the same interval).</summary>
    private const int Resamples = 2000;

    public PromotionDecision Decide(RetrievalReport active, RetrievalReport candidate)
    {
        var gain = Mean(candidate.AudioToImage) - Mean(active.AudioToImage);
        var change = Mean(candidate.ImageToAudio) - Mean(active.ImageToAudio);
        var interval = GainInterval(active.AudioToImageByQuery.Values, candidate.AudioToImageByQuery.Values);
        double? textChange = active.TextToImage is { } activeText && candidate.TextToImage is { } candidateText ? Mean(candidateText) - Mean(activeText) : null;
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"audio->image {Mean(candidate.AudioToImage):F3} against {Mean(active.AudioToImage):F3} ({gain:+0.000;-0.000}")
            + (interval is { } bounds ? string.Create(CultureInfo.InvariantCulture, $", 95% interval {bounds.Low:+0.000;-0.000} to {bounds.High:+0.000;-0.000}") : "")
            + string.Create(CultureInfo.InvariantCulture,
                $", needs more than +{minImprovement:0.###}), image->audio {Mean(candidate.ImageToAudio):F3} against {Mean(active.ImageToAudio):F3} " +
                $"({change:+0.000;-0.000}, may fall {maxRegression:0.###} at most)")
            + (textChange is { } text
                ? string.Create(CultureInfo.InvariantCulture, $", typed text->image {Mean(candidate.TextToImage!):F3} against {Mean(active.TextToImage!):F3} ({text:+0.000;-0.000})")
                : "")
            + $", {candidate.Recordings} validation recordings";
        PromotionDecision No(string why) => new(false, gain, change, interval, $"{why}: {measured}") { TextToImageChange = textChange };
        if (candidate.Recordings < minValidationRecordings)
        {
            return No($"cannot judge with fewer than {minValidationRecordings} validation recordings");
        }
        if (!(gain > minImprovement))
        {
            return No("audio->image did not improve enough");
        }
        if (interval is not { Low: > 0 })
        {
            return No("audio->image did not improve beyond noise");
        }
        if (change < -maxRegression)
        {
            return No("image->audio fell too far");
        }
        if (textChange < -maxRegression)
        {
            return No("typed text->image fell too far");
        }
        return new PromotionDecision(true, gain, change, interval, $"better: {measured}") { TextToImageChange = textChange };
    }

    /// <summary>R@1, R@5 and R@10 averaged (R@10 alone saturates on a small validation set).</summary>
    public static double Mean(Recall recall) => (recall.R1 + recall.R5 + recall.R10) / 3;

    /// <summary>
    /// The 2.5th and 97.5th percentiles of the mean per-query gain over resamples of the queries (the same queries
    /// for both versions); null when the two were not measured on the same queries.
    /// </summary>
    public static (double Low, double High)? GainInterval(double[] active, double[] candidate)
    {
        if (active.Length == 0 || active.Length != candidate.Length)
        {
            return null;
        }
        var gains = active.Select((a, i) => candidate[i] - a).ToArray();
        var random = new Random(20_240_819);
        var means = new double[Resamples];
        for (var b = 0; b < Resamples; b++)
        {
            var sum = 0.0;
            for (var k = 0; k < gains.Length; k++)
            {
                sum += gains[random.Next(gains.Length)];
            }
            means[b] = sum / gains.Length;
        }
        Array.Sort(means);
        return (means[(int)(0.025 * (Resamples - 1))], means[(int)Math.Ceiling(0.975 * (Resamples - 1))]);
    }
}

/// <summary>The gate's answer: promote or not, the changes it weighed, the audio->image gain's interval, and why, in words.</summary>
public sealed record PromotionDecision(bool Promote, double AudioToImageGain, double ImageToAudioChange, (double Low, double High)? GainInterval, string Reason)
{
    /// <summary>Typed text->image recall (R@1, R@5, R@10 averaged) of the candidate less the active version's; null when either was not measured.</summary>
    public double? TextToImageChange { get; init; }
}
