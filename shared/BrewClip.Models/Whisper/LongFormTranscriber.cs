namespace BrewClip.Models.Whisper;

/// <summary>
/// Whisper's long-form transcription with timestamps: each 30 s window starts where the previous
/// window's last complete segment ended, so a sentence cut by a window boundary is heard whole in the next.
/// </summary>
public static class LongFormTranscriber
{
    public const int SampleRate = WhisperLogMel.SampleRate;

    /// <summary>
    /// <paramref name="decodeWindow"/> turns up to 30 s of samples into timestamped tokens; the segments
    /// come back in recording time.
    /// </summary>
    public static IReadOnlyList<WhisperSegment> Transcribe(ReadOnlySpan<float> samples, WhisperTokenizer tokenizer,
        Func<float[], IReadOnlyList<int>> decodeWindow)
    {
        var segments = new List<WhisperSegment>();
        var seek = 0;
        while (seek < samples.Length)
        {
            var length = Math.Min(WhisperLogMel.WindowSamples, samples.Length - seek);
            var offset = seek / (double)SampleRate;
            var tokens = decodeWindow(samples.Slice(seek, length).ToArray());
            var timed = TimedTranscript.Parse(tokens, tokenizer, length / (double)SampleRate);
            segments.AddRange(timed.Segments.Where(s => s.Text.Length > 0)
                .Select(s => new WhisperSegment(offset + s.Start, offset + Math.Min(s.End, length / (double)SampleRate), s.Text)));
            // Always move forward, even when a window yields no complete segment.
            var advance = (int)Math.Round(timed.ConsumedSeconds * SampleRate);
            seek += advance > 0 ? Math.Min(advance, length) : length;
        }
        return segments;
    }
}
