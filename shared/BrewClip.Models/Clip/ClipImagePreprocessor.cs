using BrewClip.Media;

namespace BrewClip.Models.Clip;

/// <summary>
/// CLIP's image preprocessing: decoded upright, shortest side to 224 (bicubic), centre 224x224 crop
/// (by <see cref="CenterCropDecoder"/>), scaled to [0, 1] and normalised with CLIP's mean and standard
/// deviation into CHW float32. A batch is split across concurrent ffmpeg processes.
/// </summary>
public sealed class ClipImagePreprocessor(CenterCropDecoder decoder, int parallelism = 0)
{
    public const int Size = 224;
    public const int ValuesPerImage = 3 * Size * Size;

    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    private readonly int _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    public async Task<PreprocessedImages> PreprocessAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        if (decoder.Size != Size)
        {
            throw new InvalidOperationException($"CLIP needs {Size}x{Size} crops; the decoder makes {decoder.Size}x{decoder.Size}.");
        }
        var chunkSize = Math.Max(1, (paths.Count + _parallelism - 1) / _parallelism);
        var chunks = paths.Chunk(chunkSize).ToList();
        var decoded = await Task.WhenAll(chunks.Select(chunk => decoder.DecodeAsync(chunk, cancellationToken))).ConfigureAwait(false);
        var images = decoded.SelectMany(d => d).ToList();

        var succeeded = images.Select((image, index) => (image, index)).Where(p => p.image.Succeeded).ToList();
        var pixels = new float[succeeded.Count * ValuesPerImage];
        Parallel.For(0, succeeded.Count, i => ToPixelValues(succeeded[i].image.Rgb!, pixels.AsSpan(i * ValuesPerImage, ValuesPerImage)));
        return new PreprocessedImages(
            pixels,
            succeeded.Select(p => p.index).ToArray(),
            images.Select((image, index) => (image, index)).Where(p => !p.image.Succeeded).Select(p => new ImageFailure(p.index, p.image.Error!)).ToList());
    }

    /// <summary>RGB bytes (HWC, 224x224) to CLIP's normalised CHW floats.</summary>
    public static void ToPixelValues(ReadOnlySpan<byte> rgb, Span<float> chw)
    {
        const int plane = Size * Size;
        if (rgb.Length != plane * 3 || chw.Length != plane * 3)
        {
            throw new ArgumentException($"Expected {plane * 3} RGB bytes and as many floats.");
        }
        for (var c = 0; c < 3; c++)
        {
            var scale = 1f / (255f * Std[c]);
            var shift = -Mean[c] / Std[c];
            var channel = chw.Slice(c * plane, plane);
            for (var p = 0; p < plane; p++)
            {
                channel[p] = rgb[p * 3 + c] * scale + shift;
            }
        }
    }
}
