using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// One audio vector per 30-second segment: CLIP's text tower over each segment's transcript (token
/// states cached as float16 artifacts, the pooled embedding in recording_segments), then the audio
/// head (<see cref="AudioHeads"/>) of each live model version, one vector per segment and version.
/// </summary>
internal sealed class RecordingEmbedder(
    SegmentStore segments,
    TextFeatures textFeatures,
    VectorIndexWriter writer,
    IArtifactStore artifacts,
    AudioHeads heads,
    ServedModels models,
    ILogger<RecordingEmbedder> logger)
{
    public async Task<int> EmbedAsync(long recordingId, CancellationToken cancellationToken)
    {
        var rows = await segments.SegmentsAsync(recordingId, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            logger.LogWarning("Recording {RecordingId} has no transcribed segments; its message is dropped", recordingId);
            return 0;
        }
        rows = await textFeatures.EnsureAsync(rows, cancellationToken).ConfigureAwait(false);

        using var local = new LocalSegments(artifacts, rows);
        var written = await writer.UpsertAudioVectorsForLiveVersionsAsync(version => heads.SegmentVectorsAsync(version, rows, local, cancellationToken), cancellationToken,
            models.ServesAudio).ConfigureAwait(false);
        await segments.MarkEmbeddedAsync(recordingId, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Embedded recording {RecordingId}: {Segments} segments, {Written} vectors written for model versions {Versions}{Skipped}",
            recordingId, rows.Count, written.RowsChanged, string.Join(", ", written.Versions),
            written.Skipped is { Count: > 0 } skipped ? $" (not for {string.Join(", ", skipped)}: made with other models than {models.Clip} + {models.Whisper})" : "");
        return rows.Count;
    }
}
