namespace BrewClip.Models.Clip;

/// <summary>
/// A preprocessed batch: pixel values for the images that decoded (in input order), which input each
/// came from, and why the others failed.
/// </summary>
public sealed record PreprocessedImages(float[] PixelValues, int[] SourceIndex, IReadOnlyList<ImageFailure> Failures)
{
    public int Count => SourceIndex.Length;
}
