using System.Security.Cryptography;
using BrewClip.Ingest.Storage;
using BrewClip.Media;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>
/// Turns one complete file into rows and messages: its SHA-256 decides identity, the <see cref="MediaDecoder"/> what
/// it is and what it becomes in the artifact store, the rows commit, and only then are the messages published.
/// Whatever cannot be used is stored as rejected with a reason, so it is never read again.
/// </summary>
public sealed class MediaIngestor(
    MediaStore store,
    SidecarStore sidecars,
    MediaDecoder decoder,
    IBus publisher,
    IOptions<IngestOptions> options,
    ILogger<MediaIngestor> logger)
{
    private readonly IngestOptions _options = options.Value;

    public async Task<IngestOutcome> IngestFileAsync(ObjectRef seen, string path, CancellationToken cancellationToken)
    {
        var hash = await HashAsync(path, cancellationToken).ConfigureAwait(false);
        if (await store.RecordIfKnownAsync(seen, hash, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            logger.LogInformation("{Source}:{Key} is media {MediaId} already; recorded where it was seen", seen.Source, seen.Key, existing.Id);
            await existing.Messages.PublishAsync(publisher, cancellationToken).ConfigureAwait(false);
            if (existing.Messages.Count > 0)
            {
                logger.LogInformation("{Source}:{Key}: media {MediaId} had been replaced everywhere it was; it is accepted and embedded again", seen.Source, seen.Key, existing.Id);
            }
            if (FindSidecar(seen, path) is { } transcript)
            {
                // A second copy of known audio may come with the transcript the first lacked.
                await PublishSidecarAsync(seen, transcript, cancellationToken).ConfigureAwait(false);
            }
            return IngestOutcome.Duplicate;
        }

        var media = await decoder.DecodeFileAsync(seen, path, hash, cancellationToken).ConfigureAwait(false);
        if (media.Recording is not null && media.Kind == "audio")
        {
            media = media with { Transcript = FindSidecar(seen, path) };
        }
        var messages = await store.SaveAsync(seen, media, cancellationToken).ConfigureAwait(false);
        await messages.PublishAsync(publisher, cancellationToken).ConfigureAwait(false);
        if (media.RejectionReason is not null)
        {
            logger.LogWarning("{Source}:{Key} rejected: {Reason}", seen.Source, seen.Key, media.RejectionReason);
            return IngestOutcome.Rejected;
        }
        logger.LogInformation("{Source}:{Key} ingested as {Kind} ({Messages} messages)", seen.Source, seen.Key, media.Kind, messages.Count);
        return messages.Count == 0 ? IngestOutcome.Duplicate : IngestOutcome.Accepted;
    }

    /// <summary>
    /// A sidecar transcript file seen on its own: audio already ingested under its stem in the same source takes
    /// it (and is transcribed and embedded again from it); with no such audio yet, nothing happens here and the
    /// audio finds the sidecar beside it when it arrives.
    /// </summary>
    public async Task ApplySidecarFileAsync(ObjectRef seen, string path, CancellationToken cancellationToken)
    {
        SidecarTranscript transcript;
        try
        {
            transcript = SidecarTranscript.Parse(Path.GetFileName(seen.Key), await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (MediaException e)
        {
            logger.LogWarning("{Source}:{Key}: the sidecar is not used: {Reason}", seen.Source, seen.Key, e.Message);
            return;
        }
        await PublishSidecarAsync(seen, transcript, cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishSidecarAsync(ObjectRef seen, SidecarTranscript transcript, CancellationToken cancellationToken)
    {
        var messages = await sidecars.ApplySidecarAsync(seen.Source, seen.Key, transcript, cancellationToken).ConfigureAwait(false);
        await messages.PublishAsync(publisher, cancellationToken).ConfigureAwait(false);
        if (messages.Count > 0)
        {
            logger.LogInformation("{Source}:{Key}: {Count} recording(s) under its stem take this sidecar transcript and are transcribed again from it",
                seen.Source, seen.Key, messages.Count);
        }
    }

    /// <summary>A transcript beside the audio with its stem (.txt, .srt or .vtt), if one is there and readable.</summary>
    private SidecarTranscript? FindSidecar(ObjectRef seen, string path)
    {
        foreach (var extension in SidecarTranscript.Extensions)
        {
            var candidate = Path.ChangeExtension(path, extension);
            if (!File.Exists(candidate))
            {
                continue;
            }
            try
            {
                var transcript = SidecarTranscript.Parse(Path.GetFileName(candidate), File.ReadAllText(candidate));
                logger.LogInformation("{Source}:{Key} has the sidecar transcript {Sidecar}", seen.Source, seen.Key, Path.GetFileName(candidate));
                return transcript;
            }
            catch (Exception e) when (e is MediaException or IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("{Source}:{Key}: the sidecar {Sidecar} is not used: {Reason}; Whisper transcribes instead", seen.Source, seen.Key, Path.GetFileName(candidate), e.Message);
            }
        }
        return null;
    }

    private static async Task<byte[]> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
    }

}
