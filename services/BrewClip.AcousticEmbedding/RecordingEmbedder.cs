using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.Vectors;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// One audio vector per 30-second segment: CLIP's text tower over each segment's transcript (token
/// states cached as float16 artifacts, the pooled embedding in recording_segments), then the audio
/// head (<see cref="AudioHeads"/>) of each live model version, one vector per segment and version.
/// </summary>
internal sealed class RecordingEmbedder(
    SegmentStore segments,
    ClipTextTower textTower,
    VectorIndexWriter writer,
    IArtifactStore artifacts,
    AudioHeads heads,
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
        var missing = rows.Where(r => r.TextEmbeds is null).ToList();
        if (missing.Count > 0)
        {
            var features = textTower.Encode(missing.Select(r => r.Text).ToList());
            var stateSize = ClipTokenizer.ContextLength * features.Width;
            for (var i = 0; i < missing.Count; i++)
            {
                var row = missing[i];
                var states = features.TokenStates.AsSpan(i * stateSize, stateSize).ToArray();
                var uri = await artifacts.WriteAsync($"recordings/{recordingId}/window-{row.Index}.text.safetensors", stream =>
                {
                    CachedFeatures.WriteTokenStates(stream, states, ClipTokenizer.ContextLength, features.Width, features.Lengths[i]);
                    return Task.CompletedTask;
                }, cancellationToken).ConfigureAwait(false);
                var projected = features.Embeddings.ProjectedRow(i).ToArray();
                await segments.SaveTextFeaturesAsync(recordingId, row.Index, row.Text, projected, uri, cancellationToken).ConfigureAwait(false);
                rows[rows.IndexOf(row)] = row with { TextEmbeds = projected, TextStatesUri = uri };
            }
        }

        using var local = new LocalSegments(artifacts, rows);
        var written = await writer.UpsertAudioVectorsForLiveVersionsAsync(version => heads.SegmentVectorsAsync(version, rows, local, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        await segments.MarkEmbeddedAsync(recordingId, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Embedded recording {RecordingId}: {Segments} segments, {Written} vectors written for model versions {Versions}",
            recordingId, rows.Count, written.RowsChanged, string.Join(", ", written.Versions));
        return rows.Count;
    }
}
