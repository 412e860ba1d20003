using System.Numerics.Tensors;

namespace BrewClip.Models.Whisper;

/// <summary>
/// Whisper's constraints on timestamp tokens during greedy decoding: timestamps come in pairs (text never
/// follows a single timestamp, and two in a row are followed by text or the end), never go backwards,
/// the first token is a timestamp no later than 1 s, and when the timestamps together are likelier
/// than any single text token, a timestamp is chosen.
/// </summary>
public static class TimestampRules
{
    /// <summary>The latest first timestamp, in timestamp steps of 0.02 s (1 s).</summary>
    public const int MaxInitialTimestamp = 50;

    public static void Apply(Span<float> logits, IReadOnlyList<int> generated, WhisperTokenizer tokenizer)
    {
        var begin = tokenizer.TimestampBegin;
        if (begin >= logits.Length)
        {
            return;
        }
        logits[tokenizer.NoTimestamps] = float.NegativeInfinity;

        var lastWasTimestamp = generated.Count >= 1 && generated[^1] >= begin;
        var penultimateWasTimestamp = generated.Count < 2 || generated[^2] >= begin;
        if (lastWasTimestamp)
        {
            if (penultimateWasTimestamp)
            {
                logits[begin..].Fill(float.NegativeInfinity);
            }
            else
            {
                logits[..tokenizer.EndOfText].Fill(float.NegativeInfinity);
            }
        }

        var lastTimestamp = -1;
        for (var i = generated.Count - 1; i >= 0; i--)
        {
            if (generated[i] >= begin)
            {
                lastTimestamp = generated[i];
                break;
            }
        }
        if (lastTimestamp >= 0)
        {
            // A segment's end may repeat its start only right after it; otherwise time moves forward.
            var earliest = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
            logits[begin..Math.Min(earliest, logits.Length)].Fill(float.NegativeInfinity);
        }

        if (generated.Count == 0)
        {
            logits[..begin].Fill(float.NegativeInfinity);
            var latest = begin + MaxInitialTimestamp + 1;
            if (latest < logits.Length)
            {
                logits[latest..].Fill(float.NegativeInfinity);
            }
        }

        // log P(any timestamp) against the likeliest text token
        var max = TensorPrimitives.Max(logits);
        if (float.IsNegativeInfinity(max))
        {
            return;
        }
        double total = 0, timestamps = 0, bestText = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var p = Math.Exp(logits[i] - max);
            total += p;
            if (i >= begin)
            {
                timestamps += p;
            }
            else if (p > bestText)
            {
                bestText = p;
            }
        }
        if (timestamps > bestText && timestamps > 0 && total > 0)
        {
            logits[..begin].Fill(float.NegativeInfinity);
        }
    }
}
