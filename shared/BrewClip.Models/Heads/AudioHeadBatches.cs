namespace BrewClip.Models.Heads;

/// <summary>
/// How segments are grouped into one forward pass of an audio head when re-embedding: the acoustic layer's attention
/// scores grow with the batch times the square of the longest segment's attended frames (the Whisper frames after the
/// head's <see cref="AudioHeadConfig.FramePool"/>), so a batch holds as many segments as keep that under
/// <see cref="MaxFramesSquared"/>: two 30 s windows without pooling (~150 MB of scores), 32 with 4 frames pooled.
/// </summary>
public static class AudioHeadBatches
{
    /// <summary>The budget of batch x attended frames²: two 30 s windows (1500 Whisper frames) unpooled.</summary>
    public const long MaxFramesSquared = 2L * 1500 * 1500;

    /// <summary>Frames the acoustic layer attends over for a segment of <paramref name="whisperFrames"/> Whisper frames.</summary>
    public static int AttendedFrames(int whisperFrames, int framePool) => (whisperFrames + framePool - 1) / framePool;

    /// <summary>
    /// Whether a segment attending over <paramref name="attended"/> frames may join a batch of <paramref name="count"/>
    /// whose longest attends over <paramref name="longest"/> (an empty batch takes any segment).
    /// </summary>
    public static bool Fits(int count, int longest, int attended)
    {
        var frames = (long)Math.Max(longest, attended);
        return count == 0 || (count + 1) * frames * frames <= MaxFramesSquared;
    }

    /// <summary>Consecutive batch sizes for segments of these Whisper frame counts, in order.</summary>
    public static IReadOnlyList<int> Plan(IEnumerable<int> whisperFrames, int framePool)
    {
        var sizes = new List<int>();
        var (count, longest) = (0, 0);
        foreach (var attended in whisperFrames.Select(f => AttendedFrames(f, framePool)))
        {
            if (!Fits(count, longest, attended))
            {
                sizes.Add(count);
                (count, longest) = (0, 0);
            }
            count++;
            longest = Math.Max(longest, attended);
        }
        if (count > 0)
        {
            sizes.Add(count);
        }
        return sizes;
    }
}
