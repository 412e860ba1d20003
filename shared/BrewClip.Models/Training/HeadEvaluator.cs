using BrewClip.Autograd;
using BrewClip.Models.Clip;
using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>
/// Validation recall of a model version on pairs: every segment of each recording through the audio head
/// (or, for version 0, CLIP's normalised text embedding), every image through the image adapter (or CLIP's
/// normalised image embedding), scored as <see cref="RetrievalMetrics"/> does. Images of a <c>gallery</c> (the rest of
/// the index) join the pairs' images as wrong answers for the audio queries, so audio->image recall is what a search
/// over the index would find; recordings of a <c>recordings</c> gallery join the pairs' recordings the same way for the
/// image queries. Queries are the pairs' own recordings and images alone. Typed text->image recall takes each
/// recording's transcript through the pipeline channel alone, as a typed query is embedded.
/// </summary>
public static class HeadEvaluator
{
    public static RetrievalReport Evaluate(IReadOnlyList<PairGroup> pairs, AudioHead? audio, ImageAdapter? image, ISegmentReader reader,
        AudioChannels channels = AudioChannels.Both, IReadOnlyList<GalleryImage>? gallery = null, IReadOnlyList<GalleryRecording>? recordingGallery = null)
    {
        using var _ = GradMode.Disable();
        var recordingIndex = new Dictionary<long, int>();
        var imageIndex = new Dictionary<long, int>();
        var recordings = new List<float[][]>();
        var texts = new List<float[][]>();
        var typed = channels.HasFlag(AudioChannels.Pipeline);
        var images = new List<float[][]>();
        var positives = new HashSet<(int, int)>();
        foreach (var group in pairs)
        {
            if (!recordingIndex.TryGetValue(group.RecordingId, out var r))
            {
                recordingIndex[group.RecordingId] = r = recordings.Count;
                var (vectors, text) = AudioVectors(group.Segments, audio, reader, channels);
                recordings.Add(vectors);
                texts.Add(text);
            }
            if (!imageIndex.TryGetValue(group.ImageKey, out var i))
            {
                imageIndex[group.ImageKey] = i = images.Count;
                images.Add(ImageVectors(group.Frames, image));
            }
            positives.Add((r, i));
        }
        foreach (var other in gallery ?? [])
        {
            if (imageIndex.TryAdd(other.Key, images.Count))
            {
                images.Add(ImageVectors(other.Frames, image));
            }
        }
        foreach (var other in recordingGallery ?? [])
        {
            if (recordingIndex.TryAdd(other.Key, recordings.Count))
            {
                var (vectors, text) = AudioVectors(other.Segments, audio, reader, channels);
                recordings.Add(vectors);
                texts.Add(text);
            }
        }
        var report = RetrievalMetrics.Compute(recordings, images, positives);
        return typed ? report with { TextToImage = RetrievalMetrics.Compute(texts, images, positives).AudioToImage } : report;
    }

    /// <summary>
    /// Temporal agreement on the videos among the pairs (null when there are none): each recording's audio cut
    /// into its frames' spans and embedded span by span, scored against each video's frames by Multiframe
    /// similarity (the mean cosine of the aligned rows), so a model that hears when each thing is said ranks a
    /// video above one with the same frames in another order. Version 0 (no head) has one transcript vector per
    /// window, the same for every span.
    /// </summary>
    public static RetrievalReport? EvaluateVideos(IReadOnlyList<PairGroup> pairs, AudioHead? audio, ImageAdapter? image, ISegmentReader reader)
    {
        var videos = pairs.Where(p => p.IsVideo).ToList();
        if (videos.Count == 0)
        {
            return null;
        }
        using var _ = GradMode.Disable();
        var spans = videos.Select(v => audio is null
            ? HeadTrainer.SpanInputs(v, reader).Select(s => ClipEmbeddings.NormalizeRows(s.TextEmbeds, s.TextEmbeds.Length)).ToArray()
            : HeadTrainer.SpanInputs(v, reader).Chunk(8).SelectMany(chunk => Rows(audio.Forward(chunk.ToList()).Fused)).ToArray()).ToList();
        var frames = videos.Select(v => ImageVectors(v.Frames, image)).ToList();
        var rows = videos.Max(v => v.Frames.Count);
        var scores = new float[videos.Count * videos.Count];
        for (var i = 0; i < videos.Count; i++)
        {
            for (var j = 0; j < videos.Count; j++)
            {
                var total = 0f;
                for (var l = 0; l < rows; l++)
                {
                    total += System.Numerics.Tensors.TensorPrimitives.Dot(spans[i][Math.Min(l, spans[i].Length - 1)], frames[j][Math.Min(l, frames[j].Length - 1)]);
                }
                scores[i * videos.Count + j] = total / rows;
            }
        }
        return RetrievalMetrics.FromScores(scores, videos.Count, videos.Count, Enumerable.Range(0, videos.Count).Select(i => (i, i)).ToList());
    }

    /// <summary>
    /// A recording's segment vectors, and the pipeline channel's alone (what a typed query of the same words gets: the
    /// same as the audio vectors at version 0 and for a pipeline-only head).
    /// </summary>
    private static (float[][] Audio, float[][] Text) AudioVectors(IReadOnlyList<SegmentFeatures> segments, AudioHead? audio, ISegmentReader reader, AudioChannels channels)
    {
        if (audio is null)
        {
            var zeroShot = segments.Select(s => ClipEmbeddings.NormalizeRows(s.TextEmbeds, s.TextEmbeds.Length)).ToArray();
            return (zeroShot, zeroShot);
        }
        var fused = new List<float[]>();
        var text = new List<float[]>();
        // A few windows at a time: attention over 30 s windows is memory-hungry.
        foreach (var chunk in segments.Chunk(4))
        {
            var output = audio.Forward(chunk.Select(reader.Read).ToList(), channels);
            fused.AddRange(Rows(output.Fused));
            text.AddRange(Rows(output.Pipeline ?? output.Fused));
        }
        return ([.. fused], [.. text]);
    }

    private static float[][] ImageVectors(IReadOnlyList<FrameFeatures> frames, ImageAdapter? image)
    {
        if (image is null)
        {
            return frames.Select(f => ClipEmbeddings.NormalizeRows(f.ImageEmbeds, f.ImageEmbeds.Length)).ToArray();
        }
        var size = image.Size;
        return Rows(image.Forward(Tensor.FromArray(frames.SelectMany(f => f.ImageEmbeds).ToArray(), frames.Count, size)));
    }

    private static float[][] Rows(Tensor matrix)
    {
        var values = matrix.ToArray();
        var width = matrix.Shape[1];
        return Enumerable.Range(0, matrix.Shape[0]).Select(r => values.AsSpan(r * width, width).ToArray()).ToArray();
    }
}
