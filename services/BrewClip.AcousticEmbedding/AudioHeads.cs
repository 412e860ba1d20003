using BrewClip.Autograd;
using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// Audio vectors of segments for a model version: version 0 (no artifact) is the zero-shot pipeline
/// channel, CLIP's normalised text embedding; a trained version's head reads the cached CLIP token
/// states and Whisper encoder states of each segment.
/// </summary>
internal sealed class AudioHeads(IArtifactStore artifacts)
{
    private readonly VersionHeads<AudioHead> _trained = new(artifacts, HeadFolder.AudioFiles, AudioHead.Load);

    /// <summary>
    /// A version's unit vectors of segments whose text features are cached, keyed by segment. Version 0 reads the text
    /// embedding in each row; a trained head also reads each segment's feature files, which <paramref name="local"/>
    /// fetches then (and once for all versions).
    /// </summary>
    public async Task<IReadOnlyList<AudioSegmentVector>> SegmentVectorsAsync(ModelVersion version, IReadOnlyList<SegmentRow> rows, LocalSegments local,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var head = await _trained.GetAsync(version, cancellationToken).ConfigureAwait(false);
        var vectors = head is null
            ? ClipEmbeddings.NormalizeRows(rows.SelectMany(TextEmbeds).ToArray(), TextEmbeds(rows[0]).Length)
            : Vectors(head, await local.RowsAsync(cancellationToken).ConfigureAwait(false));
        var size = vectors.Length / rows.Count;
        return rows.Select((r, i) => new AudioSegmentVector(r.RecordingId, r.Index, vectors.AsMemory(i * size, size))).ToList();
    }

    /// <summary>
    /// A trained head's vectors ([rows, size], row-major) of segments whose feature files are local, read one at a time
    /// and run in batches as <see cref="AudioHeadBatches"/> bounds them (by the frames the head attends over after its
    /// pooling: two 30 s windows at a time unpooled, 32 with 4 frames pooled).
    /// </summary>
    private static float[] Vectors(AudioHead head, IReadOnlyList<SegmentRow> rows)
    {
        using var _ = GradMode.Disable();
        var vectors = new float[rows.Count * head.Config.EmbeddingSize];
        var batch = new List<AudioHeadInput>();
        var batchStart = 0;
        var longest = 0;
        void Flush()
        {
            if (batch.Count > 0)
            {
                head.Forward(batch, AudioChannels.Both).Fused.Span.CopyTo(vectors.AsSpan(batchStart * head.Config.EmbeddingSize));
                batchStart += batch.Count;
                batch.Clear();
                longest = 0;
            }
        }
        foreach (var row in rows)
        {
            var input = CachedFeatures.ReadSegment(
                Required(row.TextStatesUri, row, "CLIP token states"),
                Required(row.EncoderStatesUri, row, "Whisper encoder states"),
                TextEmbeds(row));
            var attended = AudioHeadBatches.AttendedFrames(input.WhisperStates.Shape[0], head.Config.FramePool);
            if (!AudioHeadBatches.Fits(batch.Count, longest, attended))
            {
                Flush();
            }
            batch.Add(input);
            longest = Math.Max(longest, attended);
        }
        Flush();
        return vectors;
    }

    private static float[] TextEmbeds(SegmentRow row)
        => row.TextEmbeds ?? throw new InvalidOperationException($"Segment {row.Index} of recording {row.RecordingId} has no cached CLIP text embedding.");

    private static string Required(string? uri, SegmentRow row, string what)
        => uri ?? throw new InvalidOperationException($"Segment {row.Index} of recording {row.RecordingId} has no cached {what}; it was not transcribed by this pipeline.");
}
