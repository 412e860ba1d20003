using System.Globalization;
using FFMpegCore;

namespace BrewClip.Media;

/// <summary>
/// Decodes images with ffmpeg the way CLIP's preprocessing crops them: upright by EXIF orientation,
/// first frame only, shortest side scaled to <c>size</c> with bicubic filtering (the other side truncated
/// to an integer), then the centre <c>size</c> x <c>size</c> square, as 8-bit RGB. A whole batch goes
/// through one ffmpeg process; if that fails, each image is decoded alone so one bad file fails only itself.
/// </summary>
public sealed class CenterCropDecoder(ToolRunner tools, int size = 224)
{
    public int Size { get; } = size;

    public int BytesPerImage => Size * Size * 3;

    public async Task<IReadOnlyList<DecodedImage>> DecodeAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        if (paths.Count == 0)
        {
            return [];
        }
        var missing = paths.Where(p => !File.Exists(p)).ToHashSet();
        var present = paths.Where(p => !missing.Contains(p)).ToList();
        var decoded = new Dictionary<string, DecodedImage>();
        foreach (var path in missing)
        {
            decoded[path] = new DecodedImage(path, null, "the file does not exist");
        }
        if (present.Count > 0)
        {
            var batch = await TryDecodeTogetherAsync(present, cancellationToken).ConfigureAwait(false);
            if (batch is not null)
            {
                for (var i = 0; i < present.Count; i++)
                {
                    decoded[present[i]] = new DecodedImage(present[i], batch[i], null);
                }
            }
            else
            {
                foreach (var path in present)
                {
                    decoded[path] = await DecodeAloneAsync(path, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return paths.Select(p => decoded[p]).ToList();
    }

    private async Task<byte[][]?> TryDecodeTogetherAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var (run, output) = await DecodeToBytesAsync(paths, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0 || output.Length != paths.Count * BytesPerImage)
        {
            return null;
        }
        return Enumerable.Range(0, paths.Count).Select(i => output.AsSpan(i * BytesPerImage, BytesPerImage).ToArray()).ToArray();
    }

    private async Task<DecodedImage> DecodeAloneAsync(string path, CancellationToken cancellationToken)
    {
        var (run, output) = await DecodeToBytesAsync([path], cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            return new DecodedImage(path, null, $"not a readable image: {Describe(run)}");
        }
        if (output.Length != BytesPerImage)
        {
            return new DecodedImage(path, null, $"ffmpeg produced {output.Length} bytes instead of one {Size}x{Size} RGB image: {Describe(run)}");
        }
        return new DecodedImage(path, output, null);
    }

    /// <summary>One ffmpeg run writing the crops, one after another, to a temporary raw RGB file, read back and deleted.</summary>
    private async Task<(ToolRun Run, byte[] Output)> DecodeToBytesAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), $"brewclip-crops-{Guid.NewGuid():N}.rgb");
        try
        {
            var run = await tools.FfmpegAsync(Command(paths, output), cancellationToken).ConfigureAwait(false);
            return (run, File.Exists(output) ? await File.ReadAllBytesAsync(output, cancellationToken).ConfigureAwait(false) : []);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string Describe(ToolRun run) => run.ErrorTail() is { Length: > 0 } tail ? tail : $"ffmpeg exited with {run.ExitCode}";

    /// <summary>
    /// The filter chain that makes CLIP's crop of an upright frame: shortest side to <paramref name="size"/>
    /// (the other truncated, as CLIP's resize does) with bicubic filtering, then the centred square, as rgb24.
    /// </summary>
    public static string CropFilter(int size)
    {
        var s = size.ToString(CultureInfo.InvariantCulture);
        return $"scale=w='if(lte(iw,ih),{s},trunc({s}*iw/ih))':h='if(lte(iw,ih),trunc({s}*ih/iw),{s})':flags=bicubic+accurate_rnd+full_chroma_int," +
            $"crop={s}:{s}:round((in_w-{s})/2):round((in_h-{s})/2),setsar=1,format=rgb24";
    }

    private FFMpegArgumentProcessor Command(IReadOnlyList<string> paths, string output)
    {
        // ffmpeg rotates JPEGs by their EXIF on its own but not PNG or WebP; we apply every format's ourselves.
        var arguments = FFMpegArguments.FromFileInput(paths[0], verifyExists: false, o => o.WithCustomArgument("-noautorotate"));
        foreach (var path in paths.Skip(1))
        {
            arguments = arguments.AddFileInput(path, verifyExists: false, o => o.WithCustomArgument("-noautorotate"));
        }
        var graph = new System.Text.StringBuilder();
        for (var i = 0; i < paths.Count; i++)
        {
            var upright = ImageOrientation.Filters(ImageOrientation.Read(paths[i]));
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v]trim=end_frame=1,");
            if (upright.Length > 0)
            {
                graph.Append(upright).Append(',');
            }
            graph.Append(CropFilter(Size)).Append(CultureInfo.InvariantCulture, $"[v{i}];");
        }
        for (var i = 0; i < paths.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[v{i}]");
        }
        graph.Append(CultureInfo.InvariantCulture, $"concat=n={paths.Count}:v=1:a=0[out]");
        return arguments.OutputToFile(output, overwrite: true, o => o
            .WithCustomArgument($"-filter_complex \"{graph}\" -map [out] -fps_mode passthrough")
            .ForceFormat("rawvideo")
            .WithPixelFormat("rgb24"));
    }
}
