namespace BrewClip.Models.Whisper;

/// <summary>
/// Timed segments from one window's tokens decoded with timestamps, in seconds from the window's start. A timestamp
/// after text closes a segment; a timestamp before text opens one (of two in a row, the later counts). Text that no
/// timestamp closes (the window cut it, or decoding stopped) ends with the window, so every word is kept.
/// </summary>
public static class TimedTranscript
{
    /// <summary>The segments of a window holding <paramref name="windowSeconds"/> of audio; segments with no text are dropped.</summary>
    public static IReadOnlyList<WhisperSegment> Parse(IReadOnlyList<int> tokens, WhisperTokenizer tokenizer, double windowSeconds)
    {
        var segments = new List<WhisperSegment>();
        var text = new List<int>();
        double? opened = null;
        var lastEnd = 0.0;
        void Close(double end)
        {
            var said = tokenizer.Decode(text).Trim();
            var start = Math.Min(opened ?? lastEnd, windowSeconds);
            end = Math.Clamp(end, start, windowSeconds);
            if (said.Length > 0)
            {
                segments.Add(new WhisperSegment(start, end, said));
            }
            text.Clear();
            opened = null;
            lastEnd = end;
        }
        foreach (var token in tokens)
        {
            if (!tokenizer.IsTimestamp(token))
            {
                if (token >= tokenizer.EndOfText)
                {
                    continue; // another special token: no text, no time
                }
                text.Add(token);
            }
            else if (text.Count > 0)
            {
                Close(tokenizer.Seconds(token));
            }
            else
            {
                opened = tokenizer.Seconds(token);
            }
        }
        if (text.Count > 0)
        {
            Close(windowSeconds);
        }
        return segments;
    }
}
