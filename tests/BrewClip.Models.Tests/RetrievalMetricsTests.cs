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
    public void Wrong_answers_scoring_higher_rank_first_and_ties_are_scored_at_their_expected_recall()
    {
        // Three recordings, three images; recording i is paired with image i.
        float[][][] recordings = [[Unit(1, 0, 0)], [Unit(0, 1, 0)], [Unit(1, 0.1f, 0)]];
        float[][][] images = [[Unit(1, 0, 0)], [Unit(0, 1, 0)], [Unit(0, 0, 1)]];
        var report = RetrievalMetrics.Compute(recordings, images, [(0, 0), (1, 1), (2, 2)]);

        // Audio -> image: recordings 0 and 1 find their image first; recording 2 scores images 0 and 1 above its own: third.
        Assert.Equal(new Recall(2 / 3.0, 1, 1), report.AudioToImage);
        // Image -> audio: image 0 is nearest to recording 0 (1.0 vs 0.995); image 1 to recording 1; image 2 scores 0 with
        // every recording, so its right one ties with two wrong ones: first, second or third, each with chance 1/3.
        Assert.Equal(1, report.ImageToAudio.R5);
        Assert.Equal((1 + 1 + 1 / 3.0) / 3, report.ImageToAudio.R1, 12);
        Assert.Equal((2 / 3.0 + 1 + 1 + (1 + 1 + 1 / 3.0) / 3 + 1 + 1) / 6, report.MeanRecall, 12);
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
    public void Identical_vectors_everywhere_score_chance()
    {
        var same = Unit(1, 1, 1);
        var recordings = Enumerable.Range(0, 20).Select(_ => new[] { same }).ToList();
        var images = Enumerable.Range(0, 20).Select(_ => new[] { same }).ToList();
        var report = RetrievalMetrics.Compute(recordings, images, Enumerable.Range(0, 20).Select(i => (i, i)).ToList());
        // Twenty items that all tie: the right one is at each rank with chance 1/20.
        AssertRecall(1 / 20.0, 5 / 20.0, 10 / 20.0, report.AudioToImage);
        AssertRecall(1 / 20.0, 5 / 20.0, 10 / 20.0, report.ImageToAudio);
    }

    [Fact]
    public void Images_of_the_rest_of_the_index_compete_for_audio_queries_and_ask_none_of_their_own()
    {
        // Version 0 (no heads): a recording is its transcript's embedding, an image its CLIP embedding.
        static PairGroup Pair(long recording, float[] said, long image, float[] looks)
            => new(recording, image, [new SegmentFeatures(0, 0, 1, said, "t", "e")], [new FrameFeatures(image, looks)]);
        PairGroup[] pairs = [Pair(1, Unit(1, 0.2f, 0), 10, Unit(1, 0, 0)), Pair(2, Unit(0, 1, 0), 20, Unit(0, 1, 0))];
        // Another image of the index, nearer to recording 1 than its own; and image 10 again, which is not counted twice.
        GalleryImage[] gallery = [new(30, [new FrameFeatures(31, Unit(1, 0.2f, 0))]), new(10, [new FrameFeatures(10, Unit(1, 0, 0))])];

        var alone = HeadEvaluator.Evaluate(pairs, null, null, reader: null!);
        var inIndex = HeadEvaluator.Evaluate(pairs, null, null, reader: null!, gallery: gallery);

        AssertRecall(1, 1, 1, alone.AudioToImage);
        AssertRecall(0.5, 1, 1, inIndex.AudioToImage);
        Assert.Equal(2, inIndex.Images);
        Assert.Equal(alone.ImageToAudio, inIndex.ImageToAudio);
    }

    [Fact]
    public void Recordings_of_the_rest_of_the_index_compete_for_image_queries_and_ask_none_of_their_own()
    {
        static SegmentFeatures Said(float[] text) => new(0, 0, 1, text, "t", "e");
        static PairGroup Pair(long recording, float[] said, long image, float[] looks)
            => new(recording, image, [Said(said)], [new FrameFeatures(image, looks)]);
        PairGroup[] pairs = [Pair(1, Unit(1, 0, 0), 10, Unit(1, 0.2f, 0)), Pair(2, Unit(0, 1, 0), 20, Unit(0, 1, 0))];
        // Another recording of the index, nearer to image 10 than its own; and recording 1 again, which is not counted twice.
        GalleryRecording[] gallery = [new(3, [Said(Unit(1, 0.2f, 0))]), new(1, [Said(Unit(1, 0, 0))])];

        var alone = HeadEvaluator.Evaluate(pairs, null, null, reader: null!);
        var inIndex = HeadEvaluator.Evaluate(pairs, null, null, reader: null!, recordingGallery: gallery);

        AssertRecall(1, 1, 1, alone.ImageToAudio);
        AssertRecall(0.5, 1, 1, inIndex.ImageToAudio);
        Assert.Equal(2, inIndex.Recordings);
        Assert.Equal(alone.AudioToImage, inIndex.AudioToImage);
        Assert.Equal(alone.TextToImage, inIndex.TextToImage);
    }

    internal static void AssertRecall(double r1, double r5, double r10, Recall actual)
    {
        Assert.Equal(r1, actual.R1, 12);
        Assert.Equal(r5, actual.R5, 12);
        Assert.Equal(r10, actual.R10, 12);
    }

    [Fact]
    public void A_NaN_score_never_ranks_an_answer_first()
    {
        // One recording against three images, paired with image 0.
        Assert.Equal(new Recall(0, 1, 1), RetrievalMetrics.FromScores([float.NaN, 0.5f, 0.1f], 1, 3, [(0, 0)]).AudioToImage);
        Assert.Equal(new Recall(1, 1, 1), RetrievalMetrics.FromScores([0.2f, float.NaN, float.NaN], 1, 3, [(0, 0)]).AudioToImage);
    }
}

public sealed class PromotionGateTests
{
    private const int Pairs = 10;
    private static readonly PromotionGate Gate = new(minImprovement: 0.01, maxRegression: 0.02);

    /// <summary>Scores [recording, image] of ten pairs (i with i) from a rule.</summary>
    private static RetrievalReport Report(Func<int, int, float> score)
    {
        var scores = new float[Pairs * Pairs];
        for (var i = 0; i < Pairs; i++)
        {
            for (var j = 0; j < Pairs; j++)
            {
                scores[i * Pairs + j] = score(i, j);
            }
        }
        return RetrievalMetrics.FromScores(scores, Pairs, Pairs, Enumerable.Range(0, Pairs).Select(i => (i, i)).ToList());
    }

    [Fact]
    public void A_candidate_that_only_breaks_the_active_versions_ties_is_not_promoted()
    {
        // The active version's audio vectors are all the same (empty transcripts): a recording's scores depend on the
        // image alone, so every image ties all recordings. The candidate adds noise too small to reorder any images.
        var noise = new Random(3);
        var active = Report((_, j) => 0.01f * j);
        var candidate = Report((_, j) => 0.01f * j + (float)(noise.NextDouble() * 1e-4));
        // Image -> audio of the tied version is chance, not zero; audio -> image did not move.
        RetrievalMetricsTests.AssertRecall(0.1, 0.5, 1, active.ImageToAudio);
        Assert.Equal(active.AudioToImage, candidate.AudioToImage);

        var decision = Gate.Decide(active, candidate);

        Assert.False(decision.Promote);
        Assert.Equal(0, decision.AudioToImageGain);
        Assert.StartsWith("audio->image did not improve enough: audio->image 0.533 against 0.533 (+0.000, 95% interval +0.000 to +0.000, needs more than +0.01)",
            decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_candidate_that_finds_images_from_audio_better_without_losing_the_other_way_is_promoted()
    {
        var active = Report((_, j) => 0.01f * j);
        var candidate = Report((i, j) => i == j ? 1f : 0.01f * j);
        var decision = Gate.Decide(active, candidate);
        Assert.True(decision.Promote, decision.Reason);
        // Active: recording i ranks its image 10 - i (nine images score higher for recording 0): mean of R@1, R@5, R@10 = (0.1 + 0.5 + 1) / 3.
        Assert.Equal(1 - 1.6 / 3, decision.AudioToImageGain, 12);
        Assert.StartsWith("better: audio->image 1.000 against 0.533 (+0.467", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gain_that_one_query_makes_is_within_noise_and_not_promoted()
    {
        // Twenty recordings, each finding its image tenth (mean of R@1, R@5, R@10: 1/3); the candidate moves one of them to first.
        var byQuery = Enumerable.Repeat(1 / 3.0, 20).ToArray();
        var active = new RetrievalReport(new Recall(0, 0, 1), new Recall(0, 0, 1), 20, 20) { AudioToImageByQuery = new QueryRecalls(byQuery) };
        var improved = byQuery.ToArray();
        improved[7] = 1;
        var candidate = new RetrievalReport(new Recall(1 / 20.0, 1 / 20.0, 1), new Recall(0, 0, 1), 20, 20) { AudioToImageByQuery = new QueryRecalls(improved) };

        var decision = Gate.Decide(active, candidate);

        // The mean gain (2/3 / 20 = 0.033) clears +0.01, but a third of resamples leave that recording out.
        Assert.Equal(2 / 3.0 / 20, decision.AudioToImageGain, 12);
        Assert.Equal(0, decision.GainInterval!.Value.Low);
        Assert.False(decision.Promote);
        Assert.StartsWith("audio->image did not improve beyond noise: audio->image 0.367 against 0.333 (+0.033, 95% interval +0.000 to +0.100", decision.Reason,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_validation_recordings_cannot_be_judged()
    {
        var active = Report((_, j) => 0.01f * j);
        var candidate = Report((i, j) => i == j ? 1f : 0.01f * j);
        var decision = new PromotionGate(minImprovement: 0.01, maxRegression: 0.02, minValidationRecordings: 20).Decide(active, candidate);
        Assert.False(decision.Promote);
        Assert.StartsWith("cannot judge with fewer than 20 validation recordings: ", decision.Reason, StringComparison.Ordinal);
        Assert.EndsWith(", 10 validation recordings", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bootstrap_interval_holds_the_mean_gain_and_repeats_for_the_same_queries()
    {
        var active = new[] { 0.1, 0.5, 0.2, 0.9, 0.3, 0.3, 0.6, 0.1 };
        var candidate = new[] { 0.6, 0.5, 0.9, 1.0, 0.2, 0.8, 0.6, 0.7 };
        var (low, high) = PromotionGate.GainInterval(active, candidate)!.Value;
        var mean = candidate.Zip(active, (c, a) => c - a).Average();
        Assert.True(low < mean && mean < high, $"{low} {mean} {high}");
        Assert.True(low > 0, $"{low}");
        Assert.Equal((low, high), PromotionGate.GainInterval(active, candidate));
        Assert.Null(PromotionGate.GainInterval(active, candidate[..4]));
    }

    [Fact]
    public void A_candidate_that_loses_more_than_the_allowed_image_to_audio_recall_is_not_promoted()
    {
        // Active: every image finds its recording first; recording i ranks its image 10 - i.
        var active = Report((i, j) => i == j ? j + 0.5f : j);
        // Candidate: every recording finds its image first; image j ranks its recording 10 - j.
        var candidate = Report((i, j) => i == j ? 10f + i : 10f + i - 0.5f);
        var decision = Gate.Decide(active, candidate);
        Assert.False(decision.Promote, decision.Reason);
        Assert.Equal(1 - 1.6 / 3, decision.AudioToImageGain, 12);
        Assert.Equal(1.6 / 3 - 1, decision.ImageToAudioChange, 12);
        Assert.StartsWith("image->audio fell too far: ", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_candidate_whose_typed_text_search_gets_worse_is_not_promoted_and_the_reason_says_how_typed_text_did()
    {
        var active = Report((_, j) => 0.01f * j) with { TextToImage = new Recall(0.9, 1, 1) };
        var better = Report((i, j) => i == j ? 1f : 0.01f * j);

        var kept = Gate.Decide(active, better with { TextToImage = new Recall(0.9, 1, 1) });
        var lost = Gate.Decide(active, better with { TextToImage = new Recall(0.5, 1, 1) });
        var unmeasured = Gate.Decide(active, better);

        Assert.True(kept.Promote, kept.Reason);
        Assert.Equal(0, kept.TextToImageChange!.Value, 12);
        Assert.Contains(", typed text->image 0.967 against 0.967 (+0.000), 10 validation recordings", kept.Reason, StringComparison.Ordinal);
        Assert.False(lost.Promote);
        Assert.Equal(-0.4 / 3, lost.TextToImageChange!.Value, 12);
        Assert.StartsWith("typed text->image fell too far: ", lost.Reason, StringComparison.Ordinal);
        Assert.Contains("typed text->image 0.833 against 0.967 (-0.133)", lost.Reason, StringComparison.Ordinal);
        // A report written before typed text was measured (or the acoustic-only ablation's) is judged without it.
        Assert.True(unmeasured.Promote, unmeasured.Reason);
        Assert.Null(unmeasured.TextToImageChange);
        Assert.DoesNotContain("typed text", unmeasured.Reason, StringComparison.Ordinal);
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
    public void Nearest_never_picks_a_frame_whose_cosine_is_nan()
    {
        float[][] frames = [[float.NaN, 0, 0], [0.6f, 0.8f, 0], [0, 0, 1]];
        Assert.Equal(1, FrameSelection.Nearest([0.5f, 0.9f, 0.1f], frames));
        Assert.Equal(2, FrameSelection.Nearest([0, 0, 1], [[0, 0, float.NaN], [1, 0, 0], [0, 0.1f, 1]]));
    }

    [Fact]
    public void A_window_of_audio_meets_only_the_frames_of_its_time()
    {
        // A 90 s video's 6 frames, 15 s each; the second 30 s window is [30, 60): frames 2 and 3.
        var frames = Enumerable.Range(0, 6).Select(i => new FrameFeatures(i, [1], 15.0 * i, 15.0 * (i + 1))).ToList();
        Assert.Equal([2, 3], FrameSelection.Overlapping(frames, 30, 60));
        Assert.Equal([0, 1], FrameSelection.Overlapping(frames, 0, 30));
        // The last window, 74 s to the end: frames 4 and 5; a window that only touches a span's edge does not take it.
        Assert.Equal([4, 5], FrameSelection.Overlapping(frames, 74, 90));
        Assert.Equal([4], FrameSelection.Overlapping(frames, 60, 75));
        // A still (no span) always may; spans on another clock than the windows fall back to every frame.
        Assert.Equal([0], FrameSelection.Overlapping([new FrameFeatures(9, [1])], 30, 60));
        Assert.Equal([0, 1, 2, 3, 4, 5], FrameSelection.Overlapping(frames, 200, 230));
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
