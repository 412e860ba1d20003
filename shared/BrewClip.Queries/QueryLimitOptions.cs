using System.ComponentModel.DataAnnotations;
using BrewClip.Media;

namespace BrewClip.Queries;

/// <summary>
/// How long a clip people search with may be (configuration section "Search", read by the Search service and the
/// CLI alike); the pixel limit of query images is Ingest's (<see cref="ImageLimitOptions"/>).
/// </summary>
public sealed class QueryLimitOptions
{
    public const string Section = "Search";

    /// <summary>The setting's name as a user writes it.</summary>
    public const string SecondsSetting = "Search:MaxQuerySeconds";

    /// <summary>
    /// The longest audio clip (or video's sound) a query may be, checked from the probe before anything decodes it:
    /// every 30 s is another Whisper window to encode and decode. 5 minutes by default.
    /// </summary>
    [Range(1.0, 86_400.0)]
    public double MaxQuerySeconds { get; set; } = 300;

    /// <summary>The limits a query file is held to.</summary>
    public MediaLimits Limits(ImageLimitOptions images) => new(images.MaxImagePixels, MaxQuerySeconds, SecondsSetting);
}
