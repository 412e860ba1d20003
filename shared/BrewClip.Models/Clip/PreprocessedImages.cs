namespace BrewClip.Models.Clip;

/// <summary>
/// A preprocessed batch: pixel values for the images that decoded (in input order), which input each
/// came from, why the others failed, and how many came from ready-made crops rather than decoding.
/// </summary>
public sealed record PreprocessedImages(float[] PixelValues, int[] SourceIndex, IReadOnlyList<ImageFailure> Failures, int CropsRead = 0)
{
    public int Count => SourceIndex.Length;
}
