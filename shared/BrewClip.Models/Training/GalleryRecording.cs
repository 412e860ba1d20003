namespace BrewClip.Models.Training;

/// <summary>
/// An indexed recording (its segments' cached features) that no validation image is paired with: a wrong answer an
/// image query may find, as a search over the whole index would.
/// </summary>
public sealed record GalleryRecording(long Key, IReadOnlyList<SegmentFeatures> Segments);
