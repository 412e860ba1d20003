namespace BrewClip.Ingest;

/// <summary>A still image, or one of a video's frames (index and time set).</summary>
/// <summary>A still image, or a video's frame with its time and the span [start, end) of the video it stands for.</summary>
public sealed record NewImage(string ImageUri, string? ClipCropUri, int? FrameIndex, double? FrameTimeSeconds, int? Width, int? Height,
    double? FrameStartSeconds = null, double? FrameEndSeconds = null);
