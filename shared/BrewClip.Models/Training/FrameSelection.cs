using System.Numerics.Tensors;

namespace BrewClip.Models.Training;

public static class FrameSelection
{
    /// <summary>
    /// The index of the frame whose unit vector has the highest cosine with the audio's; the first on a tie. A NaN
    /// cosine (a broken vector) never wins over a number.
    /// </summary>
    public static int Nearest(ReadOnlySpan<float> audio, IReadOnlyList<float[]> frames)
    {
        if (frames.Count == 0)
        {
            throw new ArgumentException("Nearest match needs at least one frame.", nameof(frames));
        }
        var best = 0;
        var bestScore = float.NegativeInfinity;
        for (var i = 0; i < frames.Count; i++)
        {
            var score = TensorPrimitives.CosineSimilarity(audio, frames[i]);
            if (score > bestScore)
            {
                (best, bestScore) = (i, score);
            }
        }
        return best;
    }

    /// <summary>
    /// The frames a step that trains on the audio of [<paramref name="startSeconds"/>, <paramref name="endSeconds"/>)
    /// may pair it with: those whose span overlaps that window (a frame without a span stands for the whole video and
    /// always may). When no frame's span overlaps (spans and windows from different clocks), every frame may.
    /// </summary>
    public static IReadOnlyList<int> Overlapping(IReadOnlyList<FrameFeatures> frames, double startSeconds, double endSeconds)
    {
        var overlapping = new List<int>(frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].SpanStartSeconds is not { } start || frames[i].SpanEndSeconds is not { } end || (start < endSeconds && end > startSeconds))
            {
                overlapping.Add(i);
            }
        }
        return overlapping.Count > 0 ? overlapping : Enumerable.Range(0, frames.Count).ToList();
    }

    /// <summary>
    /// The Whisper frames [start, start + count) of a recording's concatenated segment states that cover
    /// each video frame's span (50 frames a second), clamped to the states that exist and at least one
    /// frame long. A frame without a span gets the whole recording.
    /// </summary>
    public static IReadOnlyList<(int Start, int Count)> Spans(IReadOnlyList<FrameFeatures> frames, int totalStates, int framesPerSecond = Heads.CachedFeatures.WhisperFramesPerSecond)
    {
        if (totalStates < 1)
        {
            throw new ArgumentException("A recording without encoder states cannot be cut into spans.", nameof(totalStates));
        }
        var spans = new List<(int, int)>(frames.Count);
        foreach (var frame in frames)
        {
            if (frame.SpanStartSeconds is not { } startSeconds || frame.SpanEndSeconds is not { } endSeconds)
            {
                spans.Add((0, totalStates));
                continue;
            }
            var start = Math.Clamp((int)Math.Floor(startSeconds * framesPerSecond), 0, totalStates - 1);
            var end = Math.Clamp((int)Math.Ceiling(endSeconds * framesPerSecond), start + 1, totalStates);
            spans.Add((start, end - start));
        }
        return spans;
    }

    /// <summary>
    /// Multiframe similarity of two videos: the cosine of their flattened L x D matrices, i.e. the mean over
    /// l of the cosines of their l-th unit rows (both [L, D] row-major, rows unit length).
    /// </summary>
    public static float Multiframe(ReadOnlySpan<float> audio, ReadOnlySpan<float> frames, int rows)
    {
        if (audio.Length != frames.Length || rows < 1 || audio.Length % rows != 0)
        {
            throw new ArgumentException($"Multiframe similarity needs two [L, D] matrices of one shape; got {audio.Length} and {frames.Length} values for L = {rows}.");
        }
        return TensorPrimitives.CosineSimilarity(audio, frames);
    }
}
