using System.Globalization;
using FFMpegCore;

namespace BrewClip.Media;

/// <summary>
/// Writes one frame of an image or a video as an upright PNG and, when asked, CLIP's centre crop of that
/// same frame as raw RGB (see <see cref="CenterCropDecoder.CropFilter"/>), both from one ffmpeg process
/// that decodes the frame once. An image is turned upright by its EXIF orientation (ffmpeg 5.1 would do
/// so for JPEG only); a video frame by the stream's rotation, which ffmpeg applies itself. With
/// <paramref name="pngMaxSide"/> above 0 the PNG is scaled down (aspect kept) so neither side exceeds it:
/// a full-size PNG of a camera photo is several times the JPEG and slow to encode; the crop is always made
/// from the full frame.
/// </summary>
public sealed class FrameExporter(ToolRunner tools, int cropSize = 224, int pngMaxSide = 0)
{
    public int CropSize { get; } = cropSize;

    public int PngMaxSide { get; } = pngMaxSide;

    public int CropBytes => CropSize * CropSize * 3;

    /// <summary>
    /// The first frame of an image file, turned upright by <paramref name="orientation"/> (read from the file
    /// when not given). Returns null when the files were written, else why not.
    /// </summary>
    public Task<string?> ExportImageAsync(string input, string pngPath, string? cropPath = null, int? orientation = null, CancellationToken cancellationToken = default)
        => ExportAsync(input, null, orientation ?? ImageOrientation.Read(input), pngPath, cropPath, cancellationToken);

    /// <summary>The frame of a video at <paramref name="seconds"/>. Returns null when the files were written, else why not.</summary>
    public Task<string?> ExportVideoFrameAsync(string input, double seconds, string pngPath, string? cropPath = null, CancellationToken cancellationToken = default)
        => ExportAsync(input, seconds, ImageOrientation.Normal, pngPath, cropPath, cancellationToken);

    private async Task<string?> ExportAsync(string input, double? seconds, int orientation, string pngPath, string? cropPath, CancellationToken cancellationToken)
    {
        // The automatic conversion to the PNG's pixel format interpolates chroma as the crop's scale does.
        var graph = "sws_flags=bicubic+accurate_rnd+full_chroma_int;[0:v:0]trim=end_frame=1";
        if (ImageOrientation.Filters(orientation) is { Length: > 0 } upright)
        {
            graph += "," + upright;
        }
        var bound = "";
        if (PngMaxSide > 0)
        {
            var m = PngMaxSide.ToString(CultureInfo.InvariantCulture);
            bound = $",scale=w='if(gte(iw,ih),min({m},iw),-1)':h='if(gte(iw,ih),-1,min({m},ih))':flags=bicubic";
        }
        graph += cropPath is null ? $"{bound}[png]" : $",split=2[p][c];[p]null{bound}[png];[c]{CenterCropDecoder.CropFilter(CropSize)}[crop]";

        // A video frame is sought before decoding; a still image keeps its stored pixels (we rotate it ourselves).
        var command = FFMpegArguments
            .FromFileInput(input, verifyExists: false, o => o.WithCustomArgument(seconds is { } at
                ? "-ss " + at.ToString("0.###", CultureInfo.InvariantCulture)
                : "-noautorotate"))
            .OutputToMany(outputs =>
            {
                outputs.OutputToFile(pngPath, overwrite: true, o => o
                    .WithCustomArgument($"-filter_complex \"{graph}\" -map [png]")
                    .WithFrameCount(1)
                    .WithVideoCodec("png")
                    .ForceFormat("image2"));
                if (cropPath is not null)
                {
                    outputs.OutputToFile(cropPath, overwrite: true, o => o
                        .WithCustomArgument("-map [crop]")
                        .WithFrameCount(1)
                        .ForceFormat("rawvideo")
                        .WithPixelFormat("rgb24"));
                }
            });

        var run = await tools.FfmpegAsync(command, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            return run.ErrorTail(1) is { Length: > 0 } tail ? tail : $"ffmpeg exited with {run.ExitCode}";
        }
        if (!File.Exists(pngPath) || new FileInfo(pngPath).Length == 0)
        {
            return "no frame decodes";
        }
        if (cropPath is not null && (!File.Exists(cropPath) || new FileInfo(cropPath).Length != CropBytes))
        {
            return $"the {CropSize}x{CropSize} crop came out as {(File.Exists(cropPath) ? new FileInfo(cropPath).Length : 0)} bytes instead of {CropBytes}";
        }
        return null;
    }
}
