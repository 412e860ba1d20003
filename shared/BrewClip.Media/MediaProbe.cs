using System.Globalization;
using System.Text.Json;

namespace BrewClip.Media;

/// <summary>What a file holds, judged from its content by ffprobe.</summary>
public enum MediaKind
{
    Audio,
    Image,
    Video,
}

/// <summary>ffprobe's view of a file: its container and the streams that matter for indexing.</summary>
/// <param name="Format">ffprobe's format name, e.g. "wav", "png_pipe", "mov,mp4,m4a,3gp,3g2,mj2".</param>
/// <param name="DurationSeconds">The container's duration, when it has one.</param>
/// <param name="HasAudio">At least one audio stream.</param>
/// <param name="VideoCodec">The codec of the first video stream that is not cover art, if any.</param>
/// <param name="Width">That stream's width.</param>
/// <param name="Height">That stream's height.</param>
public sealed record ProbeResult(string Format, double? DurationSeconds, bool HasAudio, string? VideoCodec, int? Width, int? Height)
{
    // Containers ffmpeg reads as a single picture. GIF counts as an image: its first frame is used.
    private static readonly HashSet<string> StillFormats = new(StringComparer.Ordinal)
    {
        "image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "gif_pipe", "tiff_pipe", "apng",
    };

    private static readonly HashSet<string> ImageCodecs = new(StringComparer.Ordinal) { "png", "mjpeg", "webp", "bmp", "gif", "tiff", "apng" };

    /// <summary>The kind this content is indexed as, or null with <paramref name="reason"/> when it is none of them.</summary>
    public MediaKind? Classify(out string? reason)
    {
        reason = null;
        if (VideoCodec is not null && StillFormats.Contains(Format) && ImageCodecs.Contains(VideoCodec))
        {
            return MediaKind.Image;
        }
        if (VideoCodec is not null)
        {
            return MediaKind.Video;
        }
        if (HasAudio)
        {
            return MediaKind.Audio;
        }
        reason = $"the file ({Format}) has no audio, image or video stream";
        return null;
    }

    /// <summary>Parses the JSON of <c>ffprobe -show_format -show_streams -of json</c>.</summary>
    public static ProbeResult Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var format = root.TryGetProperty("format", out var f) && f.TryGetProperty("format_name", out var name) ? name.GetString() ?? "" : "";
        double? duration = root.TryGetProperty("format", out f) && f.TryGetProperty("duration", out var d)
            && double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        var hasAudio = false;
        string? videoCodec = null;
        int? width = null, height = null;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var stream in streams.EnumerateArray())
            {
                var type = stream.TryGetProperty("codec_type", out var t) ? t.GetString() : null;
                if (type == "audio")
                {
                    hasAudio = true;
                }
                else if (type == "video" && videoCodec is null && !IsCoverArt(stream))
                {
                    videoCodec = stream.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "unknown" : "unknown";
                    width = stream.TryGetProperty("width", out var w) ? w.GetInt32() : null;
                    height = stream.TryGetProperty("height", out var h) ? h.GetInt32() : null;
                }
            }
        }
        return new ProbeResult(format, duration, hasAudio, videoCodec, width, height);
    }

    // An MP3's or M4A's embedded album picture is a video stream with the attached_pic disposition.
    private static bool IsCoverArt(JsonElement stream)
        => stream.TryGetProperty("disposition", out var disposition)
            && disposition.TryGetProperty("attached_pic", out var attached) && attached.GetInt32() == 1;
}

/// <summary>Runs ffprobe on a file and reads the result.</summary>
public sealed class MediaProbe(ToolRunner tools)
{
    /// <exception cref="MediaException">ffprobe cannot read the file; the message carries ffprobe's reason.</exception>
    public async Task<ProbeResult> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var run = await tools.FfprobeAsync(["-v", "error", "-show_format", "-show_streams", "-of", "json", path], cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            var tail = run.ErrorTail(1);
            tail = tail.Replace(path, "the file", StringComparison.Ordinal);
            throw new MediaException($"not a media file ffprobe can read ({(tail.Length > 0 ? tail : "exit code " + run.ExitCode)})");
        }
        try
        {
            return ProbeResult.Parse(run.Output);
        }
        catch (JsonException e)
        {
            throw new MediaException($"ffprobe's output could not be read: {e.Message}", e);
        }
    }
}
