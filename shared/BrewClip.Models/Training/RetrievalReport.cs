using System.Text.Json.Serialization;

namespace BrewClip.Models.Training;

/// <summary>Validation recall both ways over the same pairs (the promotion gate, <see cref="PromotionGate"/>, weighs each direction).</summary>
public sealed record RetrievalReport(
    [property: JsonPropertyName("audio_to_image")] Recall AudioToImage,
    [property: JsonPropertyName("image_to_audio")] Recall ImageToAudio,
    [property: JsonPropertyName("recordings")] int Recordings,
    [property: JsonPropertyName("images")] int Images)
{
    /// <summary>R@1, R@5 and R@10 in both directions, averaged (R@10 alone saturates on a small validation set).</summary>
    /// <summary>Audio->image recall of each recording queried, in order: what the promotion gate's bootstrap resamples.</summary>
    [JsonIgnore]
    public QueryRecalls AudioToImageByQuery { get; init; } = QueryRecalls.Empty;

    [JsonPropertyName("mean_recall")]
    public double MeanRecall => (AudioToImage.R1 + AudioToImage.R5 + AudioToImage.R10 + ImageToAudio.R1 + ImageToAudio.R5 + ImageToAudio.R10) / 6;
}
