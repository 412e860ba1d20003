using System.Text.Json;
using System.Text.Json.Serialization;

namespace BrewClip.Models.Training;

/// <summary>
/// What a training run measured and decided: written by Training to <c>training_runs.metrics</c> and
/// <c>model_versions.metrics</c>, read by the CLI. One type for both sides, so a field renamed on one is renamed on the other.
/// </summary>
public sealed record TrainingMetrics
{
    [JsonPropertyName("active_version")] public int ActiveVersion { get; init; }

    /// <summary>The active version's validation recall.</summary>
    [JsonPropertyName("active")] public required RetrievalReport Active { get; init; }

    /// <summary>The candidate's validation recall, on the same pairs.</summary>
    [JsonPropertyName("candidate")] public required RetrievalReport Candidate { get; init; }

    /// <summary>Mean recall (all six) of the candidate less the active version's.</summary>
    [JsonPropertyName("improvement")] public double Improvement { get; init; }

    [JsonPropertyName("min_improvement")] public double MinImprovement { get; init; }

    [JsonPropertyName("max_regression")] public double MaxRegression { get; init; }

    [JsonPropertyName("min_validation_pairs")] public int MinValidationPairs { get; init; }

    [JsonPropertyName("audio_to_image_gain")] public double AudioToImageGain { get; init; }

    /// <summary>The gain's 95% interval [low, high] from the gate's paired bootstrap; null when it could not be computed.</summary>
    [JsonPropertyName("audio_to_image_gain_interval")] public double[]? AudioToImageGainInterval { get; init; }

    [JsonPropertyName("image_to_audio_change")] public double ImageToAudioChange { get; init; }

    /// <summary>Typed text->image recall of the candidate less the active version's; null when either was not measured.</summary>
    [JsonPropertyName("text_to_image_change")] public double? TextToImageChange { get; init; }

    [JsonPropertyName("decision")] public TrainingDecision Decision { get; init; }

    /// <summary>The gate's reason, in words (<see cref="PromotionDecision.Reason"/>).</summary>
    [JsonPropertyName("decision_reason")] public string? DecisionReason { get; init; }

    [JsonPropertyName("train_pairs")] public int TrainPairs { get; init; }

    [JsonPropertyName("validation_pairs")] public int ValidationPairs { get; init; }

    [JsonPropertyName("gallery_images")] public int GalleryImages { get; init; }

    /// <summary>Recordings of the index that competed with the validation recordings for the image queries when judging.</summary>
    [JsonPropertyName("gallery_recordings")] public int GalleryRecordings { get; init; }

    [JsonPropertyName("epochs")] public int Epochs { get; init; }

    [JsonPropertyName("steps")] public int Steps { get; init; }

    [JsonPropertyName("stopped_early")] public bool StoppedEarly { get; init; }

    [JsonPropertyName("best_epoch")] public int? BestEpoch { get; init; }

    [JsonPropertyName("stop_reason")] public string? StopReason { get; init; }

    /// <summary>Each epoch's validation audio->image recall (R@1, R@5, R@10 averaged).</summary>
    [JsonPropertyName("validation_by_epoch")] public double[] ValidationByEpoch { get; init; } = [];

    [JsonPropertyName("frame_match")] public string FrameMatch { get; init; } = "";

    [JsonPropertyName("seed")] public int Seed { get; init; }

    [JsonPropertyName("inner_outer_weight")] public double InnerOuterWeight { get; init; }

    /// <summary>What the inner loss paired the acoustic vector with ("image" or "pipeline"); null in metrics written before.</summary>
    [JsonPropertyName("inner_pairing")] public string? InnerPairing { get; init; }

    /// <summary>Weight of the text loss (the pipeline channel alone against the images); null in metrics written before it existed.</summary>
    [JsonPropertyName("text_weight")] public double? TextWeight { get; init; }

    [JsonPropertyName("acoustic_pool")] public int AcousticPool { get; init; }

    /// <summary>How the training segments' Whisper states were changed; null in metrics written before it existed.</summary>
    [JsonPropertyName("augmentation")] public AugmentationOptions? Augmentation { get; init; }

    [JsonPropertyName("started_from")] public string StartedFrom { get; init; } = "";

    [JsonPropertyName("logit_scale")] public double LogitScale { get; init; }

    [JsonPropertyName("acoustic_gate")] public double AcousticGate { get; init; }

    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }

    [JsonPropertyName("resumed_from_epoch")] public int ResumedFromEpoch { get; init; }

    [JsonPropertyName("final_loss")] public double? FinalLoss { get; init; }

    /// <summary>For videos: each recording's audio span by span against the frames in order (null without videos).</summary>
    [JsonPropertyName("video_temporal")] public VersionComparison? VideoTemporal { get; init; }

    /// <summary>Pipeline-only and acoustic-only heads, when Training:Ablations is on.</summary>
    [JsonPropertyName("ablations")] public Dictionary<string, RetrievalReport>? Ablations { get; init; }

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The metrics of a trained version; null for metrics of another shape (a version promoted from heads trained elsewhere).</summary>
    public static TrainingMetrics? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingMetrics>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The active version's and the candidate's report of one measure.</summary>
public sealed record VersionComparison(
    [property: JsonPropertyName("active")] RetrievalReport Active,
    [property: JsonPropertyName("candidate")] RetrievalReport Candidate);

/// <summary>What the gate decided for a candidate.</summary>
public enum TrainingDecision
{
    Reject,
    Promote,
}
