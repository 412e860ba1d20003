
namespace BrewClip.Media;

/// <summary>What a file's first bytes say, for formats whose headers say it all.</summary>
/// <param name="Kind">Image or audio.</param>
/// <param name="Format">ffprobe's name for the format ("png_pipe", "wav", ...), so rows read the same either way.</param>
/// <param name="Width">An image's width.</param>
/// <param name="Height">An image's height.</param>
/// <param name="DurationSeconds">An audio file's duration.</param>
public sealed record SniffResult(MediaKind Kind, string Format, int? Width, int? Height, double? DurationSeconds);
