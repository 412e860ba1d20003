using System.Text.Json.Serialization;

namespace BrewClip.Models.Training;

/// <summary>Validation recall both ways over the same pairs (the promotion gate, <see cref="PromotionGate"/>, weighs each direction).</summary>
public sealed record RetrievalReport(
    [property: JsonPropertyName("audio_to_image")] Recall AudioToImage,
    [property: JsonPropertyName("image_to_audio")] Recall ImageToAudio,
    [property: JsonPropertyName("recordings")] int Recordings,
    [property: JsonPropertyName("images")] int Images)
{
    /// <summary>Audio->image recall of each recording queried, in order: what the promotion gate's bootstrap resamples.</summary>
    [JsonIgnore]
    public QueryRecalls AudioToImageByQuery { get; init; } = QueryRecalls.Empty;

    /// <summary>
    /// Typed text->image recall: each recording's transcript as a typed query would be embedded (the pipeline channel
    /// alone; CLIP's text embedding at version 0) against the same images. Null for a model without a text path (the
    /// acoustic-only ablation) and in reports written before it was measured.
    /// </summary>
    [JsonPropertyName("text_to_image")]
    public Recall? TextToImage { get; init; }

    /// <summary>R@1, R@5 and R@10 in both directions, averaged (R@10 alone saturates on a small validation set).</summary>
    [JsonPropertyName("mean_recall")]
    public double MeanRecall => (AudioToImage.R1 + AudioToImage.R5 + AudioToImage.R10 + ImageToAudio.R1 + ImageToAudio.R5 + ImageToAudio.R10) / 6;
}
