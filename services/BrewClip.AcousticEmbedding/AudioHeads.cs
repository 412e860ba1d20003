using System.Collections.Concurrent;
using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
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
        var vectors = new float[rows.Count * head.Config.EmbeddingSize];
        using var _ = GradMode.Disable();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var (tokens, tokenMetadata) = SafetensorsFile.Read(ArtifactPaths.ToLocalPath(Required(row.TextStatesUri, row, "CLIP token states")));
            var (encoder, _) = SafetensorsFile.Read(ArtifactPaths.ToLocalPath(Required(row.EncoderStatesUri, row, "Whisper encoder states")));
            var length = int.Parse(tokenMetadata["length"], System.Globalization.CultureInfo.InvariantCulture);
            var embeds = TextEmbeds(row);
            head.Forward(tokens["token_states"], length, Tensor.FromArray(embeds, embeds.Length), encoder["encoder_states"])
                .Span.CopyTo(vectors.AsSpan(i * head.Config.EmbeddingSize, head.Config.EmbeddingSize));
        }
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
