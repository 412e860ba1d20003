using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
using BrewClip.Models.Clip;
using BrewClip.Storage;
using BrewClip.Storage.Vectors;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// One audio vector per 30-second segment: CLIP's text tower over each segment's transcript (token
/// states cached as float16 artifacts, the pooled embedding in recording_segments), then the active
/// version's audio head. Version 0 is the zero-shot pipeline channel: the normalised CLIP text embedding.
/// </summary>
internal sealed class RecordingEmbedder(
    SegmentStore segments,
    ClipTextTower textTower,
    ModelVersionStore versions,
    VectorIndexWriter writer,
    FileSystemArtifactStore artifacts,
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
        var embeds = rows.ToDictionary(r => r.Index, r => r.TextEmbeds);
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
                    SafetensorsFile.Write(stream, [new("token_states", Tensor.FromArray(states, ClipTokenizer.ContextLength, features.Width))],
                        SafetensorsDType.F16, new Dictionary<string, string> { ["length"] = features.Lengths[i].ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    return Task.CompletedTask;
                }, cancellationToken).ConfigureAwait(false);
                var projected = features.Embeddings.ProjectedRow(i).ToArray();
                await segments.SaveTextFeaturesAsync(recordingId, row.Index, projected, uri, cancellationToken).ConfigureAwait(false);
                embeds[row.Index] = projected;
            }
        }

        var version = await versions.ActiveAsync(cancellationToken).ConfigureAwait(false);
        if (version.Version != 0)
        {
            throw new NotSupportedException(
                $"Model version {version.Version} is active; this build applies only version 0's audio head (the zero-shot pipeline channel). The trained heads arrive with the Training service.");
        }
        var size = embeds.Values.First()!.Length;
        var vectors = ClipEmbeddings.NormalizeRows(rows.SelectMany(r => embeds[r.Index]!).ToArray(), size);
        var written = await writer.UpsertAudioVectorsAsync(version.Version,
            rows.Select((r, i) => new AudioSegmentVector(recordingId, r.Index, vectors.AsMemory(i * size, size))).ToList(),
            cancellationToken).ConfigureAwait(false);
        await segments.MarkEmbeddedAsync(recordingId, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Embedded recording {RecordingId}: {Segments} segments, {Written} vectors written", recordingId, rows.Count, written);
        return rows.Count;
    }
}
