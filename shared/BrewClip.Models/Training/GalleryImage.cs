namespace BrewClip.Models.Training;

/// <summary>
/// An indexed image (a still, or a video's frames) that no validation recording is paired with: a wrong answer an
/// audio query may find, as a search over the whole index would.
/// </summary>
public sealed record GalleryImage(long Key, IReadOnlyList<FrameFeatures> Frames);
