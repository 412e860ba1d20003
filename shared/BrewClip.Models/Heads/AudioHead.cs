using System.Text.Json;
using BrewClip.Autograd;
using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Models.Heads;

/// <summary>
/// BrewCLIP's trainable audio head over cached features (docs/ARCHITECTURE.md, "The model, as built here"):
/// the pipeline channel prepends the shared prompts (mapped to CLIP's text width) to CLIP's token states
/// of the transcript, runs one transformer layer and adds its end-of-text output, through a projection
/// that starts at zero, to CLIP's <c>text_embeds</c>; the acoustic channel maps Whisper's encoder states
/// to the head width, runs [CLS; prompts; frames] through one transformer layer and projects the CLS
/// output to the embedding. The audio vector is normalize(p + gate · a) of the two channels' unit vectors
/// p and a, with a learnable gate that starts at zero, so an untrained head gives exactly CLIP's text embedding (version 0) while
/// the acoustic channel alone is already a usable vector (the inner loss and the acoustic-only ablation
/// train it from the first step).
/// </summary>
public sealed class AudioHead : Module
{
    public const string WeightsFile = "audio_head.safetensors";
    public const string ConfigFile = "audio_head.json";
    private const string GateName = "acoustic_gate";

    public AudioHead(AudioHeadConfig config, Random random)
    {
        if (config.FramePool < 1)
        {
            throw new ArgumentException($"FramePool must be at least 1; got {config.FramePool}.", nameof(config));
        }
        Config = config;
        Prompts = AddParameter("prompts", Tensor.RandomNormal(random, 0.02f, config.Prompts, config.HeadWidth));
        PromptToText = AddModule("prompt_to_text", new Linear(config.HeadWidth, config.TextWidth, random));
        TextLayer = AddModule("text_layer", new TransformerEncoderLayer(config.TextWidth, config.Heads, 4 * config.TextWidth, random));
        TextOut = AddModule("text_out", new Linear(config.TextWidth, config.EmbeddingSize, random, zeroInit: true));
        AudioIn = AddModule("audio_in", new Linear(config.WhisperWidth, config.HeadWidth, random));
        PromptToAudio = AddModule("prompt_to_audio", new Linear(config.HeadWidth, config.HeadWidth, random));
        Cls = AddParameter("cls", Tensor.RandomNormal(random, 0.02f, 1, config.HeadWidth));
        AudioLayer = AddModule("audio_layer", new TransformerEncoderLayer(config.HeadWidth, config.Heads, 4 * config.HeadWidth, random));
        AudioOut = AddModule("audio_out", new Linear(config.HeadWidth, config.EmbeddingSize, random));
        AcousticGate = AddParameter(GateName, Tensor.Zeros(1));
    }

    public AudioHeadConfig Config { get; }

    public Parameter Prompts { get; }

    public Linear PromptToText { get; }

    public TransformerEncoderLayer TextLayer { get; }

    public Linear TextOut { get; }

    public Linear AudioIn { get; }

    public Linear PromptToAudio { get; }

    public Parameter Cls { get; }

    public TransformerEncoderLayer AudioLayer { get; }

    public Linear AudioOut { get; }

    /// <summary>How much of the acoustic channel the audio vector takes (1 = as much as the pipeline); 0 at initialisation.</summary>
    public Parameter AcousticGate { get; }

    /// <summary>
    /// The unit audio vector [1, EmbeddingSize] of one segment.
    /// </summary>
    /// <param name="tokenStates">CLIP's text token states [77, TextWidth].</param>
    /// <param name="length">Tokens up to and including the end-of-text token.</param>
    /// <param name="textEmbeds">CLIP's projected text embedding [EmbeddingSize].</param>
    /// <param name="whisperStates">Whisper's encoder states [frames, WhisperWidth].</param>
    public Tensor Forward(Tensor tokenStates, int length, Tensor textEmbeds, Tensor whisperStates)
        => Forward([new AudioHeadInput(tokenStates, length, textEmbeds.ToArray(), whisperStates)]).Fused;

    /// <summary>
    /// The outputs for a batch of segments of any lengths: transcripts and frames are padded to the
    /// longest and the padding is masked out of attention, so each row equals its own unbatched pass.
    /// </summary>
    public AudioHeadOutput Forward(IReadOnlyList<AudioHeadInput> inputs, AudioChannels channels = AudioChannels.Both)
    {
        if (inputs.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one segment.", nameof(inputs));
        }
        // Each channel is a unit vector before they are summed, so the gate alone says how much each counts.
        var pipeline = channels.HasFlag(AudioChannels.Pipeline) ? Ops.L2Normalize(PipelineChannel(inputs)) : null;
        var acoustic = channels.HasFlag(AudioChannels.Acoustic) ? Ops.L2Normalize(AcousticChannel(inputs)) : null;
        var fused = (pipeline, acoustic) switch
        {
            ({ } p, { } a) => Ops.L2Normalize(Ops.Add(p, Ops.Multiply(a, AcousticGate.Value))),
            ({ } p, null) => p,
            (null, { } a) => a,
            _ => throw new ArgumentException("No channel was asked for.", nameof(channels)),
        };
        return new AudioHeadOutput(fused, pipeline, acoustic);
    }

    private Tensor PipelineChannel(IReadOnlyList<AudioHeadInput> inputs)
    {
        var (batch, prompts, width, size) = (inputs.Count, Config.Prompts, Config.TextWidth, Config.EmbeddingSize);
        var longest = inputs.Max(i => i.Length);
        var tokens = new float[batch * longest * width];
        var embeds = new float[batch * size];
        var padding = new bool[batch * (prompts + longest)];
        for (var b = 0; b < batch; b++)
        {
            var input = inputs[b];
            if (input.Length < 1 || input.TokenStates.Rank != 2 || input.TokenStates.Shape[0] < input.Length || input.TokenStates.Shape[1] != width)
            {
                throw new ArgumentException($"Token states {input.TokenStates} with length {input.Length} do not fit a head of text width {width}.");
            }
            if (input.TextEmbeds.Length != size)
            {
                throw new ArgumentException($"A text embedding of {input.TextEmbeds.Length} values does not fit a head of embedding size {size}.");
            }
            input.TokenStates.Contiguous().Span[..(input.Length * width)].CopyTo(tokens.AsSpan(b * longest * width));
            input.TextEmbeds.CopyTo(embeds.AsSpan(b * size));
            padding.AsSpan(b * (prompts + longest) + prompts + input.Length, longest - input.Length).Fill(true);
        }
        var promptStates = Ops.Reshape(PromptToText.Forward(Prompts.Value), 1, prompts, width);
        var text = Ops.Concat([Repeat(promptStates, batch), Tensor.FromArray(tokens, batch, longest, width)], 1);
        var textOut = TextLayer.Forward(text, inputs.Any(i => i.Length < longest) ? padding : null);
        var endOfText = Ops.Concat(inputs.Select((input, b) =>
            Ops.Reshape(Ops.Slice(Ops.Slice(textOut, 0, b, 1), 1, prompts + input.Length - 1, 1), 1, width)).ToList(), 0);
        return Ops.Add(Tensor.FromArray(embeds, batch, size), TextOut.Forward(endOfText));
    }

    private Tensor AcousticChannel(IReadOnlyList<AudioHeadInput> inputs)
    {
        var (batch, prompts, width, whisper) = (inputs.Count, Config.Prompts, Config.HeadWidth, Config.WhisperWidth);
        var pooled = inputs.Select(i => PoolFrames(i.WhisperStates)).ToList();
        var longest = Math.Max(1, pooled.Max(p => p.Length / whisper));
        var frames = new float[batch * longest * whisper];
        var padding = new bool[batch * (1 + prompts + longest)];
        for (var b = 0; b < batch; b++)
        {
            pooled[b].CopyTo(frames.AsSpan(b * longest * whisper));
            var count = pooled[b].Length / whisper;
            padding.AsSpan(b * (1 + prompts + longest) + 1 + prompts + count, longest - count).Fill(true);
        }
        var lead = Ops.Concat([Ops.Reshape(Cls.Value, 1, 1, width), Ops.Reshape(PromptToAudio.Forward(Prompts.Value), 1, prompts, width)], 1);
        var audio = Ops.Concat([Repeat(lead, batch), AudioIn.Forward(Tensor.FromArray(frames, batch, longest, whisper))], 1);
        var audioOut = AudioLayer.Forward(audio, padding.Contains(true) ? padding : null);
        var cls = Ops.Reshape(Ops.Slice(audioOut, 1, 0, 1), batch, width);
        return AudioOut.Forward(cls);
    }

    /// <summary>Whisper states [frames, width] averaged over groups of FramePool frames (the last group may be shorter).</summary>
    private float[] PoolFrames(Tensor states)
    {
        var whisper = Config.WhisperWidth;
        if (states.Rank != 2 || states.Shape[1] != whisper)
        {
            throw new ArgumentException($"Whisper states {states} do not fit a head of Whisper width {whisper}.");
        }
        var values = states.Contiguous().Span;
        var frames = states.Shape[0];
        var pool = Config.FramePool;
        if (pool == 1)
        {
            return values.ToArray();
        }
        var groups = (frames + pool - 1) / pool;
        var output = new float[groups * whisper];
        for (var g = 0; g < groups; g++)
        {
            var count = Math.Min(pool, frames - g * pool);
            var row = output.AsSpan(g * whisper, whisper);
            for (var f = 0; f < count; f++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(row, values.Slice((g * pool + f) * whisper, whisper), row);
            }
            System.Numerics.Tensors.TensorPrimitives.Divide(row, count, row);
        }
        return output;
    }

    /// <summary>[1, t, d] as [batch, t, d], with the gradient summed back over the batch.</summary>
    private static Tensor Repeat(Tensor x, int batch)
        => batch == 1 ? x : Ops.Add(Tensor.Zeros(batch, x.Shape[1], x.Shape[2]), x);

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Write(Path.Combine(folder, WeightsFile), NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter.Value)).ToList());
        File.WriteAllText(Path.Combine(folder, ConfigFile), JsonSerializer.Serialize(Config));
    }

    /// <summary>Copies every weight of another head of the same configuration into this one (fine-tuning starts from it).</summary>
    public void LoadWeights(AudioHead other)
    {
        if (other.Config != Config)
        {
            throw new ArgumentException($"A head of configuration {other.Config} cannot be copied into one of {Config}.");
        }
        foreach (var ((_, mine), (_, theirs)) in NamedParameters().Zip(other.NamedParameters()))
        {
            mine.Load(theirs.Value.Span);
        }
    }

    public static AudioHead Load(string folder)
    {
        var configPath = Path.Combine(folder, ConfigFile);
        var weightsPath = Path.Combine(folder, WeightsFile);
        if (!File.Exists(configPath) || !File.Exists(weightsPath))
        {
            throw new ModelMissingException($"The audio head in {folder} is incomplete: it needs {ConfigFile} and {WeightsFile}.");
        }
        var config = JsonSerializer.Deserialize<AudioHeadConfig>(File.ReadAllText(configPath))
            ?? throw new InvalidDataException($"{configPath} is not an audio head configuration.");
        var head = new AudioHead(config, new Random(0));
        var (tensors, _) = SafetensorsFile.Read(weightsPath);
        foreach (var (name, parameter) in head.NamedParameters())
        {
            if (name == GateName && !tensors.ContainsKey(name))
            {
                // Heads saved before the gate existed summed the two channels as they are.
                parameter.Load([1f]);
                continue;
            }
            if (!tensors.TryGetValue(name, out var value) || !value.Shape.AsSpan().SequenceEqual(parameter.Shape))
            {
                throw new InvalidDataException($"{weightsPath} lacks {name} of shape [{string.Join(", ", parameter.Shape)}].");
            }
            parameter.Load(value.ToArray());
        }
        head.Training = false;
        return head;
    }
}
