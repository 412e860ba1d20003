using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// CLIP's text features of segments' text, by the CLIP this service runs: the token states cached as a float16 artifact,
/// the projected embedding in segment_text_features. Segments whose features this CLIP has not computed (none yet, or
/// another CLIP's) get them here, for a new recording and for a base version of a new CLIP alike.
/// </summary>
internal sealed class TextFeatures(SegmentStore segments, ClipTextTower textTower, IArtifactStore artifacts, ServedModels served)
{
    /// <summary>The rows, every one with this CLIP's features of its text.</summary>
    public async Task<List<SegmentRow>> EnsureAsync(List<SegmentRow> rows, CancellationToken cancellationToken)
    {
        var missing = rows.Where(r => r.TextEmbeds is null || r.FeaturesClip != served.Clip).ToList();
        if (missing.Count == 0)
        {
            return rows;
        }
        var result = rows.ToList();
        var features = textTower.Encode(missing.Select(r => r.Text).ToList());
        var stateSize = ClipTokenizer.ContextLength * features.Width;
        for (var i = 0; i < missing.Count; i++)
        {
            var row = missing[i];
            var states = features.TokenStates.AsSpan(i * stateSize, stateSize).ToArray();
            var uri = await artifacts.WriteAsync($"recordings/{row.RecordingId}/window-{row.Index}.text.safetensors", stream =>
            {
                CachedFeatures.WriteTokenStates(stream, states, ClipTokenizer.ContextLength, features.Width, features.Lengths[i]);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            var projected = features.Embeddings.ProjectedRow(i).ToArray();
            await segments.SaveTextFeaturesAsync(row.RecordingId, row.Index, row.Text, projected, uri, cancellationToken).ConfigureAwait(false);
            result[result.IndexOf(row)] = row with { TextEmbeds = projected, TextStatesUri = uri, FeaturesClip = served.Clip };
        }
        return result;
    }
}
