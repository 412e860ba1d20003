using BrewClip.Media;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>
/// What a file is and what it becomes: sniffed or probed (over a limit, or not media, it is rejected with the reason),
/// then decoded by ffmpeg into the artifact store (an image's PNG and CLIP crop, a recording's 16 kHz PCM, a video's
/// frames with their time spans and its sound). Nothing here writes rows or publishes.
/// </summary>
public sealed class MediaDecoder(
    MediaProbe probe,
    ToolRunner tools,
    FrameExporter frames,
    IArtifactStore artifacts,
    IngestScratch scratch,
    IOptions<IngestOptions> options,
    IOptions<ImageLimitOptions> imageLimits,
    ILogger<MediaDecoder> logger)
{
    private readonly IngestOptions _options = options.Value;
    private readonly MediaLimits _limits = new(imageLimits.Value.MaxImagePixels, options.Value.MaxDurationSeconds, "Ingest:MaxDurationSeconds");

    /// <summary>The media a file (seen as <paramref name="seen"/>, with content hash <paramref name="hash"/>) becomes; rejected with the reason when it cannot be used.</summary>
    public async Task<NewMedia> DecodeFileAsync(ObjectRef seen, string path, byte[] hash, CancellationToken cancellationToken)
    {
        // ffmpeg's image demuxer trusts a file's extension; a name without one makes it judge the content.
        // The extension is only a hint for content without signature bytes (TGA, some SVG and PAM files).
        var alias = scratch.NewPath();
        File.CreateSymbolicLink(alias, Path.GetFullPath(path));
        var hinted = ExtensionHint(seen.Key) is { } extension ? alias + extension : null;
        try
        {
            return await DecodeAsync(alias, hinted, hash, seen.SizeBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaException e)
        {
            return Rejected(hash, seen.SizeBytes, "unknown", null, e.Message);
        }
        finally
        {
            File.Delete(alias);
            if (hinted is not null)
            {
                File.Delete(hinted);
            }
        }
    }

    /// <summary>The key's extension (".tga"), when it has a plain one.</summary>
    private static string? ExtensionHint(string key)
    {
        var extension = Path.GetExtension(key);
        return extension.Length is > 1 and <= 12 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : null;
    }

    /// <summary>
    /// ffprobe's view of the content behind the extension-less <paramref name="alias"/>. When the content alone says
    /// nothing, or only guesses (a TGA file, which has no signature, can pass for an MP3 frame), the same content is
    /// probed again named with its extension (<paramref name="hinted"/>, linked here), and that view is used when it is
    /// surer and a still-image format; its path is then the one to decode. Throws ffprobe's reason about the content when nothing reads it.
    /// </summary>
    private async Task<(ProbeResult Probed, string Path, MediaException? ContentFailure)> ProbeAsync(string alias, string? hinted, CancellationToken cancellationToken)
    {
        ProbeResult? byContent = null;
        MediaException? failure = null;
        try
        {
            byContent = await probe.ProbeAsync(alias, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaException e) when (hinted is not null)
        {
            failure = e;
        }
        if (hinted is null || byContent is { IsWeakGuess: false })
        {
            return (byContent!, alias, null);
        }
        File.CreateSymbolicLink(hinted, File.ResolveLinkTarget(alias, returnFinalTarget: false)!.FullName);
        try
        {
            var byName = await probe.ProbeAsync(hinted, cancellationToken).ConfigureAwait(false);
            // Only still-image demuxers are taken on a name's word: every audio and video container ffmpeg reads has
            // a signature, so noise named .flac is noise, not a FLAC file that fails to decode.
            if (ProbeResult.IsStillFormat(byName.Format) && (byContent is null || byName.ProbeScore > byContent.ProbeScore))
            {
                return (byName, hinted, failure);
            }
        }
        catch (MediaException)
        {
            // The name reads nothing either: the content's view, or its failure, stands.
        }
        return byContent is not null ? (byContent, alias, null) : throw failure!;
    }

    private async Task<NewMedia> DecodeAsync(string alias, string? hinted, byte[] hash, long size, CancellationToken cancellationToken)
    {
        if (size == 0)
        {
            return Rejected(hash, size, "unknown", null, "the file is empty");
        }
        if (size > _options.MaxFileBytes)
        {
            return Rejected(hash, size, "unknown", null, $"the file is {size:N0} bytes, over the limit of {_options.MaxFileBytes:N0} (Ingest:MaxFileBytes)");
        }
        if (MediaSniffer.Sniff(alias) is { } sniffed && await DecodeSniffedAsync(alias, sniffed, hash, size, cancellationToken).ConfigureAwait(false) is { } quick)
        {
            return quick;
        }
        var (probed, path, contentFailure) = await ProbeAsync(alias, hinted, cancellationToken).ConfigureAwait(false);
        if (probed.Classify(out var reason) is not { } kind)
        {
            return Rejected(hash, size, "unknown", probed.Format, reason!);
        }
        var kindName = kind.ToString().ToLowerInvariant();
        if (OverLimit(hash, size, kind, probed.Format, probed.Width, probed.Height, probed.DurationSeconds) is { } rejected)
        {
            return rejected;
        }
        var folder = MediaFolder(hash);
        switch (kind)
        {
            case MediaKind.Audio:
            {
                var recording = await DecodeAudioAsync(path, folder, cancellationToken).ConfigureAwait(false)
                    ?? throw new MediaException("the audio decodes to no samples; the file is truncated or corrupt");
                return new NewMedia(hash, kindName, size, probed.Format, recording.DurationSeconds, null, recording, []);
            }
            case MediaKind.Image:
            {
                return await DecodeImageAsync(path, hash, size, probed.Format, probed.Width, probed.Height, cancellationToken).ConfigureAwait(false)
                    ?? throw new MediaException(contentFailure is not null
                        ? $"{contentFailure.Message}; read by its name ({Path.GetExtension(path)}) as a {probed.VideoCodec} image, it does not decode either"
                        : $"the image ({probed.Format}, codec {probed.VideoCodec}) cannot be decoded by this ffmpeg; the file is truncated or corrupt, or the codec is not built in");
            }
            default:
                return await DecodeVideoAsync(path, hash, size, probed, folder, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A still image or audio file whose header said what it is (<see cref="MediaSniffer"/>): the limits are checked
    /// from the header and it is decoded at once, without a probe process. Null when the decode fails, so the file
    /// goes the probed way and gets ffprobe's reason.
    /// </summary>
    private async Task<NewMedia?> DecodeSniffedAsync(string path, SniffResult sniffed, byte[] hash, long size, CancellationToken cancellationToken)
    {
        if (OverLimit(hash, size, sniffed.Kind, sniffed.Format, sniffed.Width, sniffed.Height, sniffed.DurationSeconds) is { } rejected)
        {
            return rejected;
        }
        if (sniffed.Kind == MediaKind.Image)
        {
            return await DecodeImageAsync(path, hash, size, sniffed.Format, sniffed.Width, sniffed.Height, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            return await DecodeAudioAsync(path, MediaFolder(hash), cancellationToken).ConfigureAwait(false) is { } recording
                ? new NewMedia(hash, "audio", size, sniffed.Format, recording.DurationSeconds, null, recording, [])
                : null;
        }
        catch (MediaException)
        {
            return null;
        }
    }

    /// <summary>The rejection of content over Ingest:MaxImagePixels or (audio, video) Ingest:MaxDurationSeconds, or null.</summary>
    private NewMedia? OverLimit(byte[] hash, long size, MediaKind kind, string format, int? width, int? height, double? durationSeconds)
        => _limits.Problem(kind, width, height, durationSeconds) is { } problem
            ? Rejected(hash, size, kind.ToString().ToLowerInvariant(), format, problem)
            : null;

    /// <summary>A still image stored upright as PNG (with CLIP's crop); null when no frame decodes.</summary>
    private async Task<NewMedia?> DecodeImageAsync(string path, byte[] hash, long size, string format, int? width, int? height, CancellationToken cancellationToken)
    {
        var orientation = ImageOrientation.Read(path);
        if (await ExtractFrameAsync(path, null, orientation, $"{MediaFolder(hash)}/image", cancellationToken).ConfigureAwait(false) is not { } frame)
        {
            return null;
        }
        // The PNG is stored upright, so its sides are swapped when the EXIF orientation turns it.
        var (storedWidth, storedHeight) = ImageOrientation.SwapsSides(orientation) ? (height, width) : (width, height);
        return new NewMedia(hash, "image", size, format, null, null, null, [new NewImage(frame.Png, frame.Crop, null, null, storedWidth, storedHeight)]);
    }

    private async Task<NewMedia> DecodeVideoAsync(string path, byte[] hash, long size, ProbeResult probed, string folder, CancellationToken cancellationToken)
    {
        NewRecording? recording = null;
        if (probed.HasAudio)
        {
            try
            {
                recording = await DecodeAudioAsync(path, folder, cancellationToken).ConfigureAwait(false);
            }
            catch (MediaException e)
            {
                logger.LogWarning("The audio track of {Path} is unusable ({Reason}); the video keeps its frames only", path, e.Message);
            }
        }
        var images = new List<NewImage>();
        var duration = probed.DurationSeconds ?? recording?.DurationSeconds;
        if (duration is > 0)
        {
            var count = _options.VideoFrames;
            for (var i = 0; i < count; i++)
            {
                // The centre of the i-th of L equal spans.
                var time = duration.Value * (2 * i + 1) / (2.0 * count);
                if (await ExtractFrameAsync(path, time, ImageOrientation.Normal, $"{folder}/frame-{i}", cancellationToken).ConfigureAwait(false) is { } frame)
                {
                    images.Add(new NewImage(frame.Png, frame.Crop, i, Math.Round(time, 3), probed.Width, probed.Height,
                        Math.Round(duration.Value * i / count, 3), Math.Round(duration.Value * (i + 1) / count, 3)));
                }
            }
        }
        if (images.Count == 0 && recording is null)
        {
            return Rejected(hash, size, "video", probed.Format, "the video has neither an audio track nor a frame that decodes");
        }
        return new NewMedia(hash, "video", size, probed.Format, duration, null, recording, images);
    }

    /// <summary>The audio as 16 kHz mono 16-bit WAV in the artifact store; null when it decodes to nothing.</summary>
    private async Task<NewRecording?> DecodeAudioAsync(string path, string folder, CancellationToken cancellationToken)
    {
        long length = 0;
        var uri = await artifacts.WriteFileAsync($"{folder}/audio.wav",
            async output => length = await new PcmDecoder(tools).DecodeAsync(path, output, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        const int header = 44;
        if (length <= header)
        {
            return null;
        }
        return new NewRecording(uri, Math.Round((length - header) / (2.0 * PcmAudio.SampleRate), 4));
    }

    /// <summary>
    /// One frame (an image's, turned upright by its EXIF <paramref name="orientation"/>, or a video's at
    /// <paramref name="seconds"/>) as a PNG in the artifact store, with CLIP's crop beside it unless
    /// <see cref="IngestOptions.ClipCrops"/> is off; null when no frame decodes.
    /// </summary>
    private async Task<(string Png, string? Crop)?> ExtractFrameAsync(string path, double? seconds, int orientation, string name, CancellationToken cancellationToken)
    {
        string? error = null;
        string? crop = null;
        async Task Export(string pngPath, string? cropPath)
        {
            error = seconds is { } at
                ? await frames.ExportVideoFrameAsync(path, at, pngPath, cropPath, cancellationToken).ConfigureAwait(false)
                : await frames.ExportImageAsync(path, pngPath, cropPath, orientation, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                throw new MediaException(error);
            }
        }
        try
        {
            var png = await artifacts.WriteFileAsync($"{name}.png", async pngPath =>
            {
                if (_options.ClipCrops)
                {
                    crop = await artifacts.WriteFileAsync($"{name}.clip{frames.CropSize}.rgb", cropPath => Export(pngPath, cropPath)).ConfigureAwait(false);
                }
                else
                {
                    await Export(pngPath, null).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return (png, crop);
        }
        catch (MediaException) when (error is not null)
        {
            logger.LogDebug("No frame from {Path} at {Seconds}: {Error}", path, seconds, error);
            return null;
        }
    }

    /// <summary>Artifacts of a content live under its hash, so the same content always lands in the same place.</summary>
    private static string MediaFolder(byte[] hash)
    {
        var hex = Convert.ToHexStringLower(hash);
        return $"media/{hex[..2]}/{hex}";
    }

    private static NewMedia Rejected(byte[] hash, long size, string kind, string? format, string reason)
        => new(hash, kind, size, format, null, reason, null, []);
}
