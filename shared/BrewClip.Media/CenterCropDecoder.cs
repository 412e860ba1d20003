using System.Globalization;

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
        var run = await tools.FfmpegAsync(Arguments(paths), cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0 || run.Output.Length != paths.Count * BytesPerImage)
        {
            return null;
        }
        return Enumerable.Range(0, paths.Count).Select(i => run.Output.AsSpan(i * BytesPerImage, BytesPerImage).ToArray()).ToArray();
    }

    private async Task<DecodedImage> DecodeAloneAsync(string path, CancellationToken cancellationToken)
    {
        var run = await tools.FfmpegAsync(Arguments([path]), cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            return new DecodedImage(path, null, $"not a readable image: {Describe(run)}");
        }
        if (run.Output.Length != BytesPerImage)
        {
            return new DecodedImage(path, null, $"ffmpeg produced {run.Output.Length} bytes instead of one {Size}x{Size} RGB image: {Describe(run)}");
        }
        return new DecodedImage(path, run.Output, null);
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

    private List<string> Arguments(IReadOnlyList<string> paths)
    {
        var arguments = new List<string> { "-hide_banner", "-nostdin", "-v", "error" };
        foreach (var path in paths)
        {
            // ffmpeg rotates JPEGs by their EXIF on its own but not PNG or WebP; we apply every format's ourselves.
            arguments.AddRange(["-noautorotate", "-i", path]);
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
        arguments.AddRange(["-filter_complex", graph.ToString(), "-map", "[out]", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
        return arguments;
    }
}
