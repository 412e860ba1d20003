using BrewClip.Autograd;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Models.Whisper;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Queries;

/// <summary>
/// Turns a person's query into a vector of a model version, in process, the way the services index (see
/// ARCHITECTURE.md, Search): text through CLIP's text tower and the version's pipeline channel; an audio clip
/// through the whole audio path (16 kHz PCM, Whisper's encoder and greedy decoding per 30 s window, CLIP's text
/// tower, the audio head with both channels; windows averaged); an image through CLIP's preprocessing, vision
/// tower and the image head. Each model is loaded once, on first use or by <see cref="Load"/>; features go
/// through float16 as the services cache them, so a file searched for finds its own stored vector.
/// </summary>
public sealed class QueryEmbedder : IDisposable
{
    private readonly Lazy<ClipTextTower> _text;
    private readonly Lazy<ClipVisionTower> _vision;
    private readonly Lazy<WhisperModel> _whisper;
    private readonly Lazy<WhisperLogMel> _logMel;
    private readonly ClipImagePreprocessor _preprocessor;
    private readonly PcmDecoder _decoder;
    private readonly VersionHeads<AudioHead> _audioHeads;
    private readonly VersionHeads<ImageHead> _imageHeads;
    private readonly string? _language;

    /// <param name="models">Where the models are and how ONNX Runtime runs them.</param>
    /// <param name="artifacts">The artifact store holding trained versions' heads.</param>
    /// <param name="tools">ffmpeg, which decodes audio and image queries.</param>
    /// <param name="language">Whisper's language for audio queries; null detects it.</param>
    public QueryEmbedder(ModelOptions models, IArtifactStore artifacts, MediaToolOptions tools, string? language = null, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        _audioHeads = new(artifacts, HeadFolder.AudioFiles, AudioHead.Load);
        _imageHeads = new(artifacts, HeadFolder.ImageFiles, ImageHead.Load);
        var store = models.Store();
        _text = new(() =>
        {
            var files = store.ClipText();
            return new ClipTextTower(models.Environment(), files.TextModel, ClipTokenizer.FromFiles(files.Vocabulary, files.Merges),
                models.SessionOptions(), loggers.CreateLogger<ClipTextTower>());
        });
        _vision = new(() => new ClipVisionTower(models.Environment(), store.ClipVision(), models.SessionOptions(), loggers.CreateLogger<ClipVisionTower>()));
        _whisper = new(() => new WhisperModel(models.Environment(), store.Whisper(), models.SessionOptions(), loggers.CreateLogger<WhisperModel>()));
        _logMel = new(() => new WhisperLogMel(_whisper.Value.MelBins));
        var runner = new ToolRunner(tools);
        _preprocessor = new ClipImagePreprocessor(new CenterCropDecoder(runner));
        _decoder = new PcmDecoder(runner);
        _language = string.IsNullOrWhiteSpace(language) ? null : language;
    }

    /// <summary>Loads the models the given kinds of query need now (a missing model fails here, not at the first query).</summary>
    public void Load(bool text = true, bool audio = true, bool image = true)
    {
        if (text || audio)
        {
            _ = _text.Value;
        }
        if (audio)
        {
            _ = _logMel.Value;
        }
        if (image)
        {
            _ = _vision.Value;
        }
    }

    /// <summary>Loads a version's heads now (on activation), so the first query after a flip does not wait for them.</summary>
    public async Task WarmAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        await _audioHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        await _imageHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Typed words, read as a transcript: the version's pipeline channel alone (CLIP's text embedding at version 0).</summary>
    public async Task<QueryVector> EmbedTextAsync(string text, ModelVersion version, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new QueryException("the query text is empty; type what to look for");
        }
        var features = _text.Value.Encode([text.Trim()]);
        var head = await _audioHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        return new QueryVector(AudioVectors(head, features, null), version.Version);
    }

    /// <summary>An audio clip (any file ffmpeg decodes, a video's sound track too) through the whole audio path.</summary>
    public async Task<QueryVector> EmbedAudioAsync(string path, ModelVersion version, CancellationToken cancellationToken = default)
    {
        var head = await _audioHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        var samples = await DecodeAsync(path, cancellationToken).ConfigureAwait(false);
        var (whisper, logMel) = (_whisper.Value, _logMel.Value);
        var windows = new List<(float[] States, int Frames)>();
        for (var start = 0; start < samples.Length; start += WhisperLogMel.WindowSamples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var length = Math.Min(WhisperLogMel.WindowSamples, samples.Length - start);
            var states = whisper.Encode(logMel.ComputeWindow(samples.AsSpan(start, length)));
            var frames = Math.Min(states.Length / whisper.Width,
                (length * CachedFeatures.WhisperFramesPerSecond + WhisperLogMel.SampleRate - 1) / WhisperLogMel.SampleRate);
            windows.Add((states, frames));
        }
        var language = _language ?? whisper.DetectLanguage(windows[0].States, windows[0].States.Length / whisper.Width);
        var texts = windows.Select(w => whisper.Decode(w.States, new WhisperDecodeOptions { Language = language }).Text).ToList();
        var features = _text.Value.Encode(texts);
        var encoder = windows.Select(w => Tensor.FromArray(ThroughHalf(w.States.AsSpan(0, w.Frames * whisper.Width)), w.Frames, whisper.Width)).ToList();
        var transcript = string.Join(' ', texts.Select(t => t.Trim()).Where(t => t.Length > 0));
        return new QueryVector(AudioVectors(head, features, encoder), version.Version, transcript);
    }

    /// <summary>An image file (any still ffmpeg decodes) through CLIP's preprocessing, the vision tower and the version's image head.</summary>
    public async Task<QueryVector> EmbedImageAsync(string path, ModelVersion version, CancellationToken cancellationToken = default)
    {
        var vision = _vision.Value;
        var batch = await _preprocessor.PreprocessAsync([new ImageInput(path, null)], cancellationToken).ConfigureAwait(false);
        if (batch.Failures.Count > 0)
        {
            throw new QueryException($"the image cannot be read: {batch.Failures[0].Reason}");
        }
        var embeddings = vision.Embed(batch.PixelValues, 1);
        var head = await _imageHeads.GetAsync(version, cancellationToken).ConfigureAwait(false) ?? ImageHead.Identity(embeddings.Size);
        return new QueryVector(head.Apply(embeddings.ProjectedRow(0).Span), version.Version);
    }

    /// <summary>
    /// The unit audio vector of transcripts' CLIP features (and Whisper states, for an audio clip), averaged over
    /// rows: without a head (version 0) CLIP's normalised text embedding; a trained version's head runs, the pipeline channel
    /// alone when there is no audio.
    /// </summary>
    private static float[] AudioVectors(AudioHead? head, ClipTextFeatures features, IReadOnlyList<Tensor>? encoder)
    {
        var size = features.Embeddings.Size;
        var rows = features.Embeddings.Count;
        float[] vectors;
        if (head is null)
        {
            vectors = features.Embeddings.Normalized;
        }
        else
        {
            using var _ = GradMode.Disable();
            var stateSize = ClipTokenizer.ContextLength * features.Width;
            var placeholder = Tensor.Zeros(1, head.Config.WhisperWidth);
            var inputs = Enumerable.Range(0, rows).Select(i => new AudioHeadInput(
                Tensor.FromArray(ThroughHalf(features.TokenStates.AsSpan(i * stateSize, stateSize)), ClipTokenizer.ContextLength, features.Width),
                features.Lengths[i], features.Embeddings.ProjectedRow(i).ToArray(), encoder?[i] ?? placeholder)).ToList();
            vectors = head.Forward(inputs, encoder is null ? AudioChannels.Pipeline : AudioChannels.Both).Fused.ToArray();
        }
        if (rows == 1)
        {
            return vectors[..size];
        }
        var mean = new float[size];
        for (var r = 0; r < rows; r++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mean, vectors.AsSpan(r * size, size), mean);
        }
        return ClipEmbeddings.NormalizeRows(mean, size);
    }

    private async Task<float[]> DecodeAsync(string path, CancellationToken cancellationToken)
    {
        var wav = Path.Combine(Path.GetTempPath(), $"brewclip-query-{Guid.NewGuid():N}.wav");
        try
        {
            long length;
            try
            {
                length = await _decoder.DecodeAsync(path, wav, cancellationToken).ConfigureAwait(false);
            }
            catch (MediaException e)
            {
                throw new QueryException(e.Message);
            }
            const int header = 44;
            if (length <= header)
            {
                throw new QueryException("the file has no audio to search with");
            }
            return PcmAudio.ReadWav(wav);
        }
        finally
        {
            File.Delete(wav);
        }
    }

    /// <summary>Values as the services cache them (float16), back as floats.</summary>
    private static float[] ThroughHalf(ReadOnlySpan<float> values)
    {
        var rounded = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            rounded[i] = (float)(Half)values[i];
        }
        return rounded;
    }

    public void Dispose()
    {
        if (_text.IsValueCreated)
        {
            _text.Value.Dispose();
        }
        if (_vision.IsValueCreated)
        {
            _vision.Value.Dispose();
        }
        if (_whisper.IsValueCreated)
        {
            _whisper.Value.Dispose();
        }
    }
}
