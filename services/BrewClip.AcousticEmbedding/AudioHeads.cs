using System.Collections.Concurrent;
using BrewClip.Autograd;
using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// Audio vectors of segments for a model version: version 0 (no artifact) is the zero-shot pipeline
/// channel, CLIP's normalised text embedding; a trained version's head reads the cached CLIP token
/// states and Whisper encoder states of each segment.
/// </summary>
internal sealed class AudioHeads
{
    private const long MaxBatchFramesSquared = 2L * 1500 * 1500;

    private readonly ConcurrentDictionary<int, AudioHead?> _heads = new();

    /// <summary>Unit vectors of segments whose text features are cached ([rows, size], row-major).</summary>
    public float[] Vectors(ModelVersion version, IReadOnlyList<SegmentRow> rows)
    {
        var size = TextEmbeds(rows[0]).Length;
        var head = _heads.GetOrAdd(version.Version, _ => version.ArtifactUri is null ? null : AudioHead.Load(ArtifactPaths.ToLocalPath(version.ArtifactUri)));
        if (head is null)
        {
            return ClipEmbeddings.NormalizeRows(rows.SelectMany(TextEmbeds).ToArray(), size);
        }
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
                ArtifactPaths.ToLocalPath(Required(row.TextStatesUri, row, "CLIP token states")),
                ArtifactPaths.ToLocalPath(Required(row.EncoderStatesUri, row, "Whisper encoder states")),
                TextEmbeds(row));
            // Attention scores grow with the square of the longest segment: short clips batch many at a
            // time, 30 s windows two at a time (~150 MB of scores).
            var frames = Math.Max(longest, input.WhisperStates.Shape[0]);
            if (batch.Count > 0 && (long)(batch.Count + 1) * frames * frames > MaxBatchFramesSquared)
            {
                Flush();
                frames = input.WhisperStates.Shape[0];
            }
            batch.Add(input);
            longest = frames;
        }
        Flush();
        return vectors;
    }

    /// <summary>A version's vectors of segments with cached features, keyed by segment.</summary>
    public List<AudioSegmentVector> SegmentVectors(ModelVersion version, IReadOnlyList<SegmentRow> rows)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var vectors = Vectors(version, rows);
        var size = vectors.Length / rows.Count;
        return rows.Select((r, i) => new AudioSegmentVector(r.RecordingId, r.Index, vectors.AsMemory(i * size, size))).ToList();
    }

    private static float[] TextEmbeds(SegmentRow row)
        => row.TextEmbeds ?? throw new InvalidOperationException($"Segment {row.Index} of recording {row.RecordingId} has no cached CLIP text embedding.");

    private static string Required(string? uri, SegmentRow row, string what)
        => uri ?? throw new InvalidOperationException($"Segment {row.Index} of recording {row.RecordingId} has no cached {what}; it was not transcribed by this pipeline.");
}
