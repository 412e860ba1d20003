using BrewClip.Models.Training;

namespace BrewClip.Models.Tests;

public sealed class TrainingMetricsTests
{
    private static readonly RetrievalReport Report = new(new Recall(0.5, 0.75, 1), new Recall(0.25, 0.5, 1), 4, 4);

    [Fact]
    public void Metrics_round_trip_under_the_names_the_database_keeps()
    {
        var metrics = new TrainingMetrics
        {
            ActiveVersion = 3,
            Active = Report,
            Candidate = Report with { AudioToImage = new Recall(1, 1, 1), TextToImage = new Recall(0.75, 1, 1) },
            TextToImageChange = 0.1,
            TextWeight = 0.25,
            Decision = TrainingDecision.Promote,
            AudioToImageGainInterval = [0.1, 0.3],
            BestEpoch = 7,
            ValidationByEpoch = [0.4, 0.6],
            Ablations = new() { ["pipeline_only"] = Report },
        };

        var json = metrics.ToJson();

        Assert.Contains("\"decision\":\"promote\"", json, StringComparison.Ordinal);
        Assert.Contains("\"audio_to_image\":{\"r1\":1,\"r5\":1,\"r10\":1}", json, StringComparison.Ordinal);
        Assert.Contains("\"mean_recall\":", json, StringComparison.Ordinal);
        Assert.Contains("\"text_to_image\":{\"r1\":0.75,\"r5\":1,\"r10\":1}", json, StringComparison.Ordinal);
        var read = TrainingMetrics.FromJson(json)!;
        Assert.Equal(metrics.Candidate, read.Candidate);
        Assert.Equal(TrainingDecision.Promote, read.Decision);
        Assert.Equal([0.1, 0.3], read.AudioToImageGainInterval!);
        Assert.Equal(7, read.BestEpoch);
        Assert.Equal(new Recall(0.75, 1, 1), read.Candidate.TextToImage);
        Assert.Equal(0.1, read.TextToImageChange);
        Assert.Equal(0.25, read.TextWeight);
        Assert.Equal(Report, read.Ablations!["pipeline_only"]);
    }

    [Fact]
    public void Metrics_written_before_the_gate_was_typed_still_read_and_other_shapes_are_not_a_runs()
    {
        var older = TrainingMetrics.FromJson("""
            {"active_version": 0, "decision": "reject", "epochs": 10,
             "active": {"audio_to_image": {"r1": 0.1, "r5": 0.5, "r10": 1}, "image_to_audio": {"r1": 0, "r5": 0, "r10": 0}, "recordings": 10, "images": 10, "mean_recall": 0.26},
             "candidate": {"audio_to_image": {"r1": 0.2, "r5": 0.6, "r10": 1}, "image_to_audio": {"r1": 0, "r5": 0, "r10": 0}, "recordings": 10, "images": 10, "mean_recall": 0.3}}
            """);
        Assert.NotNull(older);
        Assert.Equal(TrainingDecision.Reject, older.Decision);
        Assert.Equal(0.2, older.Candidate.AudioToImage.R1);
        Assert.Null(older.DecisionReason);

        // A version promoted from heads trained elsewhere carries no run's measurements.
        Assert.Null(TrainingMetrics.FromJson("""{"promoted_from": "heads/abc"}"""));
        Assert.Null(TrainingMetrics.FromJson("{}"));
    }
}
