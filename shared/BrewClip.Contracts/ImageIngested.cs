namespace BrewClip.Contracts;

/// <summary>An image (or one of a video's frames, <paramref name="FrameIndex"/> set) is ready at <paramref name="ImageUri"/>.</summary>
public sealed record ImageIngested(long ImageId, long MediaId, string ImageUri, int? FrameIndex);
