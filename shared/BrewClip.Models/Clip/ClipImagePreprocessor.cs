using BrewClip.Media;

namespace BrewClip.Models.Clip;

/// <summary>
/// CLIP's image preprocessing: decoded upright, shortest side to 224 (bicubic), centre 224x224 crop
/// (by <see cref="CenterCropDecoder"/>, or read ready-made from Ingest's crop), scaled to [0, 1] and normalised with CLIP's mean and standard
/// deviation into CHW float32. A batch is split across concurrent ffmpeg processes.
/// </summary>
public sealed class ClipImagePreprocessor(CenterCropDecoder decoder, int parallelism = 0)
{
    public const int Size = 224;
    public const int ValuesPerImage = 3 * Size * Size;

    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    private readonly int _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    public Task<PreprocessedImages> PreprocessAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        => PreprocessAsync(paths.Select(p => new ImageInput(p, null)).ToList(), cancellationToken);

    /// <summary>
    /// Pixel values for a batch. An input whose ready-made crop (<see cref="ImageInput.CropPath"/>) reads back
    /// as exactly one 224x224 RGB image uses it; every other input is decoded from its image file.
    /// </summary>
    public async Task<PreprocessedImages> PreprocessAsync(IReadOnlyList<ImageInput> inputs, CancellationToken cancellationToken = default)
    {
        if (decoder.Size != Size)
        {
            throw new InvalidOperationException($"CLIP needs {Size}x{Size} crops; the decoder makes {decoder.Size}x{decoder.Size}.");
        }
        var rgb = await Task.WhenAll(inputs.Select(input => ReadCropAsync(input.CropPath, cancellationToken))).ConfigureAwait(false);
        var cropsRead = rgb.Count(r => r is not null);
        var errors = new string?[inputs.Count];

        var toDecode = Enumerable.Range(0, inputs.Count).Where(i => rgb[i] is null).ToList();
        if (toDecode.Count > 0)
        {
            var chunkSize = Math.Max(1, (toDecode.Count + _parallelism - 1) / _parallelism);
            var chunks = toDecode.Chunk(chunkSize).ToList();
            var decoded = await Task.WhenAll(chunks.Select(chunk => decoder.DecodeAsync(chunk.Select(i => inputs[i].Path).ToList(), cancellationToken))).ConfigureAwait(false);
            foreach (var (index, image) in chunks.SelectMany(c => c).Zip(decoded.SelectMany(d => d)))
            {
                rgb[index] = image.Rgb;
                errors[index] = image.Error;
            }
        }

        var succeeded = Enumerable.Range(0, inputs.Count).Where(i => rgb[i] is not null).ToArray();
        var pixels = new float[succeeded.Length * ValuesPerImage];
        Parallel.For(0, succeeded.Length, i => ToPixelValues(rgb[succeeded[i]]!, pixels.AsSpan(i * ValuesPerImage, ValuesPerImage)));
        return new PreprocessedImages(
            pixels,
            succeeded,
            Enumerable.Range(0, inputs.Count).Where(i => rgb[i] is null).Select(i => new ImageFailure(i, errors[i] ?? "the image did not decode")).ToList(),
            cropsRead);
    }

    /// <summary>Whether a stored crop of this many bytes is one whole 224x224 RGB crop (one that is used instead of decoding).</summary>
    public static bool IsWholeCrop(long bytes) => bytes == ValuesPerImage;

    /// <summary>A stored crop's bytes, or null when there is none or it is not one whole crop (the image is decoded instead).</summary>
    private static async Task<byte[]?> ReadCropAsync(string? path, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return null;
        }
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return IsWholeCrop(bytes.Length) ? bytes : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
