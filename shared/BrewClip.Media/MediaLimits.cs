using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace BrewClip.Media;

/// <summary>
/// How much one file may ask of ffmpeg and the models, checked from what its probe (or header) says before anything
/// decodes it: the pixels of a frame (ffmpeg holds a whole frame in memory) and the length of a timeline. Ingest checks
/// the files it indexes with it and the query paths (Search, the CLI) the files people search with, so one file is
/// refused by both for the same reason.
/// </summary>
/// <param name="MaxImagePixels">The most pixels a still or a video frame may have (<see cref="ImageLimitOptions"/>).</param>
/// <param name="MaxDurationSeconds">The longest audio or video timeline.</param>
/// <param name="DurationSetting">The setting <paramref name="MaxDurationSeconds"/> comes from, named in the refusal.</param>
public sealed record MediaLimits(long MaxImagePixels, double MaxDurationSeconds, string DurationSetting)
{
    /// <summary>What is over a limit, in words ("the image is 16000x16000 = 256,000,000 pixels, over ..."), or null.</summary>
    public string? Problem(MediaKind kind, int? width, int? height, double? durationSeconds)
    {
        var name = kind.ToString().ToLowerInvariant();
        if (width is { } wide && height is { } high && (long)wide * high > MaxImagePixels)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the {name} is {wide}x{high} = {(long)wide * high:N0} pixels, over the limit of {MaxImagePixels:N0} ({ImageLimitOptions.PixelsSetting})");
        }
        if (kind != MediaKind.Image && durationSeconds > MaxDurationSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the {name} lasts {durationSeconds:F0} s, over the limit of {MaxDurationSeconds:F0} s ({DurationSetting})");
        }
        return null;
    }
}

/// <summary>
/// The pixel limit, one setting for every service that decodes pictures: <c>Ingest:MaxImagePixels</c>, read by Ingest
/// for the files it indexes and by Search (and the CLI) for query images, so a picture Ingest refuses is refused as a query too.
/// </summary>
public sealed class ImageLimitOptions
{
    /// <summary>The configuration section the setting lives in (it was Ingest's first, and keeps its name).</summary>
    public const string Section = "Ingest";

    /// <summary>The setting's name as a user writes it.</summary>
    public const string PixelsSetting = "Ingest:MaxImagePixels";

    /// <summary>
    /// Images (and video frames) with more pixels than this are refused from the probe, before anything decodes them:
    /// ffmpeg holds a whole frame in memory (a 16000x16000 PNG took ~0.9 GB). 100 megapixels by default.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long MaxImagePixels { get; set; } = 100_000_000;
}
