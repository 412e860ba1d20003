namespace BrewClip.Models.Whisper;

/// <summary>
/// Timed segments from one window's tokens (times relative to the window), and how far the window was
/// used: up to the end of its last complete segment, or all of it.
/// </summary>
public sealed record TimedTranscript(IReadOnlyList<WhisperSegment> Segments, double ConsumedSeconds)
{
    /// <summary>Parses tokens the way Whisper's reference transcription does; <paramref name="windowSeconds"/> is the audio in the window.</summary>
    public static TimedTranscript Parse(IReadOnlyList<int> tokens, WhisperTokenizer tokenizer, double windowSeconds)
    {
        bool IsTimestamp(int i) => tokenizer.IsTimestamp(tokens[i]);
        var singleTimestampEnding = tokens.Count >= 2 && !IsTimestamp(tokens.Count - 2) && IsTimestamp(tokens.Count - 1)
            || tokens.Count == 1 && IsTimestamp(0);
        var slices = new List<int>();
        for (var i = 1; i < tokens.Count; i++)
        {
            if (IsTimestamp(i - 1) && IsTimestamp(i))
            {
                slices.Add(i);
            }
        }

        var segments = new List<WhisperSegment>();
        if (slices.Count > 0)
        {
            if (singleTimestampEnding)
            {
                slices.Add(tokens.Count);
            }
            var last = 0;
            foreach (var current in slices)
            {
                var piece = tokens.Skip(last).Take(current - last).ToList();
                segments.Add(new WhisperSegment(tokenizer.Seconds(piece[0]), tokenizer.Seconds(piece[^1]), tokenizer.Decode(piece).Trim()));
                last = current;
            }
            // Ending on a single timestamp means the rest of the window held nothing more to say.
            var consumed = singleTimestampEnding ? windowSeconds : tokenizer.Seconds(tokens[last - 1]);
            return new TimedTranscript(segments, consumed);
        }

        var end = windowSeconds;
        var timestamps = tokens.Where(tokenizer.IsTimestamp).ToList();
        if (timestamps.Count > 0 && timestamps[^1] != tokenizer.TimestampBegin)
        {
            end = tokenizer.Seconds(timestamps[^1]);
        }
        segments.Add(new WhisperSegment(0, end, tokenizer.Decode(tokens).Trim()));
        return new TimedTranscript(segments, windowSeconds);
    }
}
