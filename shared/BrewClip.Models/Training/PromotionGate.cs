using System.Globalization;

namespace BrewClip.Models.Training;

/// <summary>
/// Whether a trained candidate replaces the active version, judged on the same validation pairs: it must find
/// images from audio better (audio->image mean of R@1, R@5 and R@10 up by more than <paramref name="minImprovement"/>,
/// the task the system exists for) and must not find audio from images worse by more than
/// <paramref name="maxRegression"/>. Ties are scored at chance by <see cref="RetrievalMetrics"/>, so a candidate
/// that only breaks the active version's ties gains nothing here.
/// </summary>
public sealed class PromotionGate(double minImprovement, double maxRegression)
{
    public PromotionDecision Decide(RetrievalReport active, RetrievalReport candidate)
    {
        var gain = Mean(candidate.AudioToImage) - Mean(active.AudioToImage);
        var change = Mean(candidate.ImageToAudio) - Mean(active.ImageToAudio);
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"audio->image {Mean(candidate.AudioToImage):F3} against {Mean(active.AudioToImage):F3} ({gain:+0.000;-0.000}, needs more than +{minImprovement:0.###}), " +
            $"image->audio {Mean(candidate.ImageToAudio):F3} against {Mean(active.ImageToAudio):F3} ({change:+0.000;-0.000}, may fall {maxRegression:0.###} at most)");
        if (!(gain > minImprovement))
        {
            return new PromotionDecision(false, gain, change, $"audio->image did not improve enough: {measured}");
        }
        if (change < -maxRegression)
        {
            return new PromotionDecision(false, gain, change, $"image->audio fell too far: {measured}");
        }
        return new PromotionDecision(true, gain, change, $"better: {measured}");
    }

    /// <summary>R@1, R@5 and R@10 averaged (R@10 alone saturates on a small validation set).</summary>
    public static double Mean(Recall recall) => (recall.R1 + recall.R5 + recall.R10) / 3;
}

/// <summary>The gate's answer: promote or not, the two changes it weighed, and why, in words.</summary>
public sealed record PromotionDecision(bool Promote, double AudioToImageGain, double ImageToAudioChange, string Reason);
