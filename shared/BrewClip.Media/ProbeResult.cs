using FFMpegCore;

namespace BrewClip.Media;

/// <summary>ffprobe's view of a file: its container and the streams that matter for indexing.</summary>
/// <param name="Format">ffprobe's format name, e.g. "wav", "png_pipe", "mov,mp4,m4a,3gp,3g2,mj2".</param>
/// <param name="DurationSeconds">The container's duration, when it has one.</param>
/// <param name="HasAudio">At least one audio stream.</param>
/// <param name="VideoCodec">The codec of the first video stream that is not cover art, if any.</param>
/// <param name="Width">That stream's width.</param>
/// <param name="Height">That stream's height.</param>
/// <param name="ProbeScore">How sure ffprobe is of the format (0-100): 100 for a container's signature, about 50 for a
/// guess from the file's extension, and below 25 when a few bytes happened to look like something.</param>
public sealed record ProbeResult(string Format, double? DurationSeconds, bool HasAudio, string? VideoCodec, int? Width, int? Height, int ProbeScore = 100)
{
    /// <summary>Below this score the format is a guess from bytes that happen to fit (ffmpeg's AVPROBE_SCORE_RETRY).</summary>
    public const int WeakScore = 25;

    /// <summary>True when ffprobe only guessed the format (random bytes can look like an MP3 frame).</summary>
    public bool IsWeakGuess => ProbeScore < WeakScore;

    // Demuxers that read one picture, or (GIF, APNG, WebP) an animation whose first frame is used. Every
    // "<codec>_pipe" demuxer (png_pipe, svg_pipe, ppm_pipe, qoi_pipe, j2k_pipe, psd_pipe, ...) and "image2"
    // (chosen by extension: TGA, PAM, ...) read single images; these are the others.
    private static readonly HashSet<string> StillFormats = new(StringComparer.Ordinal) { "image2", "gif", "apng", "ico", "webp" };

    // Codecs of single pictures: a stream of one of them with no timeline is an image in any container.
    private static readonly HashSet<string> ImageCodecs = new(StringComparer.Ordinal)
    {
        "png", "apng", "mjpeg", "jpegls", "jpeg2000", "jpegxl", "webp", "bmp", "gif", "tiff", "ppm", "pgm", "pgmyuv", "pbm",
        "pam", "pfm", "phm", "psd", "qoi", "pcx", "targa", "sgi", "sunrast", "xbm", "xpm", "xwd", "dpx", "exr", "hdr", "svg",
        "dds", "photocd", "pictor", "gem", "alias_pix", "brender_pix", "ptx", "txd", "vbn", "fits", "cri",
    };

    /// <summary>True for a demuxer that reads still images rather than a timeline.</summary>
    public static bool IsStillFormat(string format) => StillFormats.Contains(format) || format.EndsWith("_pipe", StringComparison.Ordinal);

    /// <summary>The kind this content is indexed as, or null with <paramref name="reason"/> when it is none of them.</summary>
    public MediaKind? Classify(out string? reason)
    {
        reason = null;
        // A picture stream with no sound is an image when the demuxer reads pictures, or when it is a picture
        // codec's stream with no timeline (a single frame), whatever the container is called.
        if (VideoCodec is not null && !HasAudio && (IsStillFormat(Format) || (DurationSeconds is null && ImageCodecs.Contains(VideoCodec))))
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

    /// <summary>What FFMpegCore's analysis of a file says about it.</summary>
    public static ProbeResult From(IMediaAnalysis analysis)
    {
        var picture = analysis.VideoStreams.FirstOrDefault(v => !IsCoverArt(v));
        var duration = analysis.Format.Duration.TotalSeconds;
        return new ProbeResult(analysis.Format.FormatName ?? "", duration > 0 ? duration : null, analysis.AudioStreams.Count > 0,
            picture is null ? null : picture.CodecName ?? "unknown", picture?.Width, picture?.Height, (int)analysis.Format.ProbeScore);
    }

    // An MP3's or M4A's embedded album picture is a video stream with the attached_pic disposition.
    private static bool IsCoverArt(VideoStream stream)
        => stream.Disposition is { } disposition && disposition.TryGetValue("attached_pic", out var attached) && attached;
}
