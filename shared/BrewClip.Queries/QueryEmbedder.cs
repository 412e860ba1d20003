using System.Collections.Concurrent;
using BrewClip.Autograd;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Models.Catalogue;
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
/// docs/ARCHITECTURE.md, "Search"): text through CLIP's text tower and the version's pipeline channel; an audio clip
/// through the whole audio path (16 kHz PCM, Whisper's encoder and greedy decoding per 30 s window, CLIP's text
/// tower, the audio head with both channels; windows averaged); an image through CLIP's preprocessing, vision
/// tower and the image head. Each model is loaded once, on first use or by <see cref="Load"/>; features go
/// through float16 as the services cache them, so a file searched for finds its own stored vector.
/// </summary>
public sealed class QueryEmbedder : IDisposable
{
    private readonly ModelOptions _models;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<(string Clip, string Whisper), Towers> _towers = new();
    private readonly ClipImagePreprocessor _preprocessor;
    private readonly PcmDecoder _decoder;
    private readonly VersionHeads<AudioHead> _audioHeads;
    private readonly VersionHeads<ImageHead> _imageHeads;
    private readonly MediaProbe _probe;
    private readonly MediaLimits _limits;
    private readonly string? _language;

    /// <param name="models">Where the models are and how ONNX Runtime runs them.</param>
    /// <param name="artifacts">The artifact store holding trained versions' heads.</param>
    /// <param name="tools">ffmpeg, which decodes audio and image queries.</param>
    /// <param name="language">Whisper's language for audio queries; null detects it.</param>
    /// <param name="limits">The pixels and seconds a query file may have; null for the defaults.</param>
    public QueryEmbedder(ModelOptions models, IArtifactStore artifacts, MediaToolOptions tools, string? language = null, ILoggerFactory? loggers = null,
        MediaLimits? limits = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        _audioHeads = new(artifacts, HeadFolder.AudioFiles, AudioHead.Load);
        _imageHeads = new(artifacts, HeadFolder.ImageFiles, ImageHead.Load);
        (_models, _loggers) = (models, loggers);
        var runner = new ToolRunner(tools);
        _preprocessor = new ClipImagePreprocessor(new CenterCropDecoder(runner));
        _decoder = new PcmDecoder(runner);
        _probe = new MediaProbe(runner);
        _limits = limits ?? new QueryLimitOptions().Limits(new ImageLimitOptions());
        _language = string.IsNullOrWhiteSpace(language) ? null : language;
    }

    /// <summary>
    /// Loads the configured models (Models:Clip, Models:Whisper) the given kinds of query need now (a missing model fails
    /// here, not at the first query). A version made with other models is searched with its own, loaded on first use.
    /// </summary>
    public void Load(bool text = true, bool audio = true, bool image = true)
    {
        var choice = _models.Choice();
        var towers = TowersFor(choice.Clip.Name, choice.Whisper.Name);
        if (text || audio)
        {
            _ = towers.Text.Value;
        }
        if (audio)
        {
            _ = towers.LogMel.Value;
        }
        if (image)
        {
            _ = towers.Vision.Value;
        }
    }

    /// <summary>The models a version's vectors come from, so a query lands in its space (the old version keeps serving during a change of model).</summary>
    private Towers TowersFor(ModelVersion version) => TowersFor(version.Clip, version.Whisper);

    private Towers TowersFor(string clip, string whisper) => _towers.GetOrAdd((clip, whisper), key =>
    {
        var configured = _models.Choice();
        var choice = new ModelChoice(ModelCatalogue.Find(key.Clip) ?? throw new QueryException($"this build does not know the model {key.Clip} a version was made with"),
            ModelCatalogue.Find(key.Whisper) ?? throw new QueryException($"this build does not know the model {key.Whisper} a version was made with"),
            configured.Precision);
        return new Towers(_models, ModelStore.FromEnvironment(string.IsNullOrWhiteSpace(_models.Root) ? null : _models.Root, choice), _loggers);
    });

    /// <summary>One CLIP and one Whisper, each loaded on first use.</summary>
    private sealed class Towers : IDisposable
    {
        public Towers(ModelOptions models, ModelStore store, ILoggerFactory loggers)
        {
            Text = new(() =>
            {
                var files = store.ClipText();
                return new ClipTextTower(models.Environment(), files.TextModel, ClipTokenizer.FromFiles(files.Vocabulary, files.Merges),
                    models.SessionOptions(), loggers.CreateLogger<ClipTextTower>());
            });
            Vision = new(() => new ClipVisionTower(models.Environment(), store.ClipVision(), models.SessionOptions(), loggers.CreateLogger<ClipVisionTower>()));
            Whisper = new(() => new WhisperModel(models.Environment(), store.Whisper(), models.SessionOptions(), loggers.CreateLogger<WhisperModel>()));
            LogMel = new(() => new WhisperLogMel(Whisper.Value.MelBins));
        }

        public Lazy<ClipTextTower> Text { get; }

        public Lazy<ClipVisionTower> Vision { get; }

        public Lazy<WhisperModel> Whisper { get; }

        public Lazy<WhisperLogMel> LogMel { get; }

        public void Dispose()
        {
            if (Text.IsValueCreated)
            {
                Text.Value.Dispose();
            }
            if (Vision.IsValueCreated)
            {
                Vision.Value.Dispose();
            }
            if (Whisper.IsValueCreated)
            {
                Whisper.Value.Dispose();
            }
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
        var features = TowersFor(version).Text.Value.Encode([text.Trim()]);
        var head = await _audioHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        return new QueryVector(AudioVectors(head, features, null), version.Version);
    }

    /// <summary>An audio clip (any file ffmpeg decodes, a video's sound track too) through the whole audio path.</summary>
    public Task<QueryVector> EmbedAudioAsync(string path, ModelVersion version, CancellationToken cancellationToken = default)
        => EmbedFileAsync(path, null, MediaKind.Audio, version, null, cancellationToken);

    /// <summary>An image file (any still ffmpeg decodes) through CLIP's preprocessing, the vision tower and the version's image head.</summary>
    public Task<QueryVector> EmbedImageAsync(string path, ModelVersion version, CancellationToken cancellationToken = default)
        => EmbedFileAsync(path, null, MediaKind.Image, version, null, cancellationToken);

    /// <summary>
    /// A query file: what it holds is read from its header or probe first, and it is refused there (a
    /// <see cref="QueryException"/> saying why) when it is not media, is over a limit, is not the
    /// <paramref name="expected"/> kind, or is a video without sound; only then is it decoded and embedded. An image
    /// is searched with as an image, audio and a video by their sound. <paramref name="timings"/> gets each stage's
    /// time; <paramref name="cancellationToken"/> stops ffmpeg and the models between Whisper windows.
    /// </summary>
    /// <param name="name">What the file is called in messages; null uses the path's file name.</param>
    /// <param name="expected">Image, or Audio for audio or a video's sound; null takes what the content is.</param>
    public async Task<QueryVector> EmbedFileAsync(string path, string? name, MediaKind? expected, ModelVersion version, QueryTimings? timings = null,
        CancellationToken cancellationToken = default)
    {
        name ??= Path.GetFileName(path);
        timings ??= new QueryTimings();
        timings.Begin("probe");
        var content = await InspectAsync(path, name, cancellationToken).ConfigureAwait(false);
        var kind = content.Kind;
        if (expected == MediaKind.Image && kind != MediaKind.Image)
        {
            throw new QueryException($"{name} is {Describe(content)}, not an image", QueryProblem.NotMedia, kind);
        }
        if (expected == MediaKind.Audio && kind == MediaKind.Image)
        {
            throw new QueryException($"{name} is an image, not an audio clip or a video with sound", QueryProblem.NotMedia, kind);
        }
        if (kind == MediaKind.Video && !content.HasAudio)
        {
            throw new QueryException($"{name}: the video has no sound to search with", QueryProblem.NothingToSearch, kind);
        }
        // A video is searched with by its sound: its frames' pixels are never decoded, so only its length counts.
        if (_limits.Problem(kind, kind == MediaKind.Image ? content.Width : null, kind == MediaKind.Image ? content.Height : null, content.DurationSeconds) is { } problem)
        {
            throw new QueryException($"{name}: {problem}", QueryProblem.TooLarge, kind);
        }
        return kind == MediaKind.Image
            ? await ImageAsync(path, name, version, timings, cancellationToken).ConfigureAwait(false)
            : await AudioAsync(path, name, version, timings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a query file holds: from its header when that says it all, else from ffprobe.</summary>
    private async Task<(MediaKind Kind, bool HasAudio, int? Width, int? Height, double? DurationSeconds)> InspectAsync(string path, string name, CancellationToken cancellationToken)
    {
        if (MediaSniffer.Sniff(path) is { } sniffed)
        {
            return (sniffed.Kind, sniffed.Kind == MediaKind.Audio, sniffed.Width, sniffed.Height, sniffed.DurationSeconds);
        }
        ProbeResult probed;
        try
        {
            probed = await _probe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaException e)
        {
            throw new QueryException($"{name} is not an audio clip, image or video that can be read: {e.Message}", QueryProblem.NotMedia);
        }
        if (probed.IsWeakGuess)
        {
            throw new QueryException($"{name} is not an audio clip, image or video that can be read: ffprobe could only guess that it might be {probed.Format}",
                QueryProblem.NotMedia);
        }
        if (probed.Classify(out var reason) is not { } kind)
        {
            throw new QueryException($"{name} is not an audio clip, image or video that can be read: {reason}", QueryProblem.NotMedia);
        }
        return (kind, probed.HasAudio, probed.Width, probed.Height, probed.DurationSeconds);
    }

    private static string Describe((MediaKind Kind, bool HasAudio, int? Width, int? Height, double? DurationSeconds) content) => content.Kind switch
    {
        MediaKind.Audio => "an audio clip",
        MediaKind.Video => content.HasAudio ? "a video (search with its sound as audio)" : "a video without sound",
        _ => "an image",
    };

    private async Task<QueryVector> AudioAsync(string path, string name, ModelVersion version, QueryTimings timings, CancellationToken cancellationToken)
    {
        var head = await _audioHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        timings.Begin("decode");
        var samples = await DecodeAsync(path, name, cancellationToken).ConfigureAwait(false);
        timings.Begin("embed");
        var towers = TowersFor(version);
        var (whisper, logMel) = (towers.Whisper.Value, towers.LogMel.Value);
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
        var texts = new List<string>(windows.Count);
        foreach (var window in windows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            texts.Add(whisper.Decode(window.States, new WhisperDecodeOptions { Language = language }).Text);
        }
        var features = towers.Text.Value.Encode(texts);
        var encoder = windows.Select(w => Tensor.FromArray(ThroughHalf(w.States.AsSpan(0, w.Frames * whisper.Width)), w.Frames, whisper.Width)).ToList();
        var transcript = string.Join(' ', texts.Select(t => t.Trim()).Where(t => t.Length > 0));
        var vector = new QueryVector(AudioVectors(head, features, encoder), version.Version, transcript);
        timings.End();
        return vector;
    }

    private async Task<QueryVector> ImageAsync(string path, string name, ModelVersion version, QueryTimings timings, CancellationToken cancellationToken)
    {
        var vision = TowersFor(version).Vision.Value;
        var head = await _imageHeads.GetAsync(version, cancellationToken).ConfigureAwait(false);
        timings.Begin("decode");
        var batch = await _preprocessor.PreprocessAsync([new ImageInput(path, null)], cancellationToken).ConfigureAwait(false);
        if (batch.Failures.Count > 0)
        {
            throw new QueryException($"{name} is not an image that can be read: {batch.Failures[0].Reason}", QueryProblem.NotMedia, MediaKind.Image);
        }
        timings.Begin("embed");
        var embeddings = vision.Embed(batch.PixelValues, 1);
        var vector = new QueryVector((head ?? ImageHead.Identity(embeddings.Size)).Apply(embeddings.ProjectedRow(0).Span), version.Version);
        timings.End();
        return vector;
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

    /// <summary>
    /// The clip's samples at 16 kHz. ffmpeg stops a second past the duration limit, so a file whose container did not
    /// say how long it is costs no more than one that did, and is refused the same way.
    /// </summary>
    private async Task<float[]> DecodeAsync(string path, string name, CancellationToken cancellationToken)
    {
        var wav = Path.Combine(Path.GetTempPath(), $"brewclip-query-{Guid.NewGuid():N}.wav");
        try
        {
            long length;
            try
            {
                length = await _decoder.DecodeAsync(path, wav, TimeSpan.FromSeconds(_limits.MaxDurationSeconds + 1), cancellationToken).ConfigureAwait(false);
            }
            catch (MediaException e)
            {
                throw new QueryException($"{name} is not audio that can be read: {e.Message}", QueryProblem.NotMedia);
            }
            const int header = 44;
            if (length <= header)
            {
                throw new QueryException($"{name}: the file has no audio to search with", QueryProblem.NothingToSearch);
            }
            var samples = PcmAudio.ReadWav(wav);
            if (samples.Length > _limits.MaxDurationSeconds * PcmAudio.SampleRate)
            {
                throw new QueryException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{name}: the audio lasts more than {_limits.MaxDurationSeconds:F0} s, over the limit ({_limits.DurationSetting})"), QueryProblem.TooLarge);
            }
            return samples;
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
        foreach (var towers in _towers.Values)
        {
            towers.Dispose();
        }
    }
}
