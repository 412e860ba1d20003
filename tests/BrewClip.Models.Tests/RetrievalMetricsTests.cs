using BrewClip.Models.Training;

namespace BrewClip.Models.Tests;

public sealed class RetrievalMetricsTests
{
    private static float[] Unit(params float[] values)
    {
        var norm = MathF.Sqrt(values.Sum(v => v * v));
        return values.Select(v => v / norm).ToArray();
    }

    [Fact]
    public void Ranks_count_wrong_answers_scoring_at_least_the_best_right_one()
    {
        // Three recordings, three images; recording i is paired with image i.
        float[][][] recordings = [[Unit(1, 0, 0)], [Unit(0, 1, 0)], [Unit(1, 0.1f, 0)]];
        float[][][] images = [[Unit(1, 0, 0)], [Unit(0, 1, 0)], [Unit(0, 0, 1)]];
        var report = RetrievalMetrics.Compute(recordings, images, [(0, 0), (1, 1), (2, 2)]);

        // Audio -> image: recordings 0 and 1 find their image first; recording 2 ranks image 2 third.
        Assert.Equal(new Recall(2 / 3.0, 1, 1), report.AudioToImage);
        // Image -> audio: image 0 is nearest to recording 0 (1.0 vs 0.995); image 1 to recording 1; image 2
        // scores 0 with every recording, so the two wrong ones tie with the right one and it ranks third.
        Assert.Equal(new Recall(2 / 3.0, 1, 1), report.ImageToAudio);
        Assert.Equal((2 / 3.0 * 2 + 4) / 6, report.MeanRecall, 10);
    }

    [Fact]
    public void A_recording_scores_an_image_by_its_best_segment_and_frame()
    {
        float[][][] recordings = [[Unit(0, 0, 1), Unit(1, 0, 0)], [Unit(0, 1, 0)]];
        float[][][] images = [[Unit(0, 1, 0.2f), Unit(1, 0, 0)], [Unit(0, 1, 0)]];
        var report = RetrievalMetrics.Compute(recordings, images, [(0, 0), (1, 1)]);
        Assert.Equal(new Recall(1, 1, 1), report.AudioToImage);
        Assert.Equal(new Recall(1, 1, 1), report.ImageToAudio);
    }

    [Fact]
    public void Identical_vectors_everywhere_are_no_better_than_last()
    {
        var same = Unit(1, 1, 1);
        var recordings = Enumerable.Range(0, 20).Select(_ => new[] { same }).ToList();
        var images = Enumerable.Range(0, 20).Select(_ => new[] { same }).ToList();
        var report = RetrievalMetrics.Compute(recordings, images, Enumerable.Range(0, 20).Select(i => (i, i)).ToList());
        Assert.Equal(new Recall(0, 0, 0), report.AudioToImage);
        Assert.Equal(0, report.MeanRecall);
    }
}

public sealed class FrameSelectionTests
{
    [Fact]
    public void Nearest_picks_the_frame_with_the_highest_cosine()
    {
        float[][] frames = [[1, 0, 0], [0.6f, 0.8f, 0], [0, 0, 1]];
        Assert.Equal(1, FrameSelection.Nearest([0.5f, 0.9f, 0.1f], frames));
        Assert.Equal(2, FrameSelection.Nearest([0, -0.1f, 3], frames));
        Assert.Equal(0, FrameSelection.Nearest([0, 0, 0], [[1, 0, 0], [0, 1, 0]])); // no information: the first
    }

    [Fact]
    public void Spans_map_each_frames_time_span_to_whisper_frames()
    {
        // A 6 s video's 3 frames cover [0, 2), [2, 4), [4, 6) s = Whisper frames [0, 100), [100, 200), [200, 300).
        var frames = Enumerable.Range(0, 3).Select(i => new FrameFeatures(i, [1], 2.0 * i, 2.0 * (i + 1))).ToList();
        Assert.Equal([(0, 100), (100, 100), (200, 100)], FrameSelection.Spans(frames, 300));
        // Audio shorter than the video: the spans are clamped and keep at least one frame.
        Assert.Equal([(0, 100), (100, 50), (149, 1)], FrameSelection.Spans(frames, 150));
        // A still image stands for the whole recording.
        Assert.Equal([(0, 42)], FrameSelection.Spans([new FrameFeatures(9, [1])], 42));
    }

    [Fact]
    public void Multiframe_similarity_is_the_mean_cosine_of_aligned_rows()
    {
        // Two frames: the audio agrees with frame 0 (cos 1) and is orthogonal to frame 1 (cos 0).
        float[] audio = [1, 0, 0, 1];
        float[] frames = [1, 0, 1, 0];
        Assert.Equal(0.5f, FrameSelection.Multiframe(audio, frames, 2), 6);
        // The same frames in the other order against the same audio: both rows disagree.
        Assert.Equal(0f, FrameSelection.Multiframe(audio, [0, 1, 1, 0], 2), 6);
    }
}
