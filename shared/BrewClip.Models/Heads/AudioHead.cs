using System.Text.Json;
using BrewClip.Autograd;
using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Models.Heads;

/// <summary>
/// BrewCLIP's trainable audio head over cached features (see "The model, as built here"):
/// the pipeline channel prepends the shared prompts (mapped to CLIP's text width) to CLIP's token states
/// of the transcript, runs one transformer layer and adds its end-of-text output, through a projection
/// that starts at zero, to CLIP's <c>text_embeds</c>; the acoustic channel maps Whisper's encoder states
/// to the head width, runs [CLS; prompts; frames] through one transformer layer and projects the CLS
/// output to the embedding, also from zero. The audio vector is normalize(pipeline + acoustic), so an
/// untrained head gives exactly CLIP's text embedding (version 0).
/// </summary>
public sealed class AudioHead : Module
{
    public const string WeightsFile = "audio_head.safetensors";
    public const string ConfigFile = "audio_head.json";

    public AudioHead(AudioHeadConfig config, Random random)
    {
        Config = config;
        Prompts = AddParameter("prompts", Tensor.RandomNormal(random, 0.02f, config.Prompts, config.HeadWidth));
        PromptToText = AddModule("prompt_to_text", new Linear(config.HeadWidth, config.TextWidth, random));
        TextLayer = AddModule("text_layer", new TransformerEncoderLayer(config.TextWidth, config.Heads, 4 * config.TextWidth, random));
        TextOut = AddModule("text_out", new Linear(config.TextWidth, config.EmbeddingSize, random, zeroInit: true));
        AudioIn = AddModule("audio_in", new Linear(config.WhisperWidth, config.HeadWidth, random));
        PromptToAudio = AddModule("prompt_to_audio", new Linear(config.HeadWidth, config.HeadWidth, random));
        Cls = AddParameter("cls", Tensor.RandomNormal(random, 0.02f, 1, config.HeadWidth));
        AudioLayer = AddModule("audio_layer", new TransformerEncoderLayer(config.HeadWidth, config.Heads, 4 * config.HeadWidth, random));
        AudioOut = AddModule("audio_out", new Linear(config.HeadWidth, config.EmbeddingSize, random, zeroInit: true));
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

    /// <summary>
    /// The unit audio vector [1, EmbeddingSize] of one segment.
    /// </summary>
    /// <param name="tokenStates">CLIP's text token states [77, TextWidth].</param>
    /// <param name="length">Tokens up to and including the end-of-text token.</param>
    /// <param name="textEmbeds">CLIP's projected text embedding [EmbeddingSize].</param>
    /// <param name="whisperStates">Whisper's encoder states [frames, WhisperWidth].</param>
    public Tensor Forward(Tensor tokenStates, int length, Tensor textEmbeds, Tensor whisperStates)
    {
        var prompts = Prompts.Value;
        var text = Ops.Concat([PromptToText.Forward(prompts), Ops.Slice(tokenStates, 0, 0, length)], 0);
        var textOut = TextLayer.Forward(Ops.Reshape(text, 1, Config.Prompts + length, Config.TextWidth));
        var endOfText = Ops.Reshape(Ops.Slice(textOut, 1, Config.Prompts + length - 1, 1), 1, Config.TextWidth);
        var pipeline = Ops.Add(Ops.Reshape(textEmbeds, 1, Config.EmbeddingSize), TextOut.Forward(endOfText));

        var frames = whisperStates.Shape[0];
        var audio = Ops.Concat([Cls.Value, PromptToAudio.Forward(prompts), AudioIn.Forward(whisperStates)], 0);
        var audioOut = AudioLayer.Forward(Ops.Reshape(audio, 1, 1 + Config.Prompts + frames, Config.HeadWidth));
        var cls = Ops.Reshape(Ops.Slice(audioOut, 1, 0, 1), 1, Config.HeadWidth);
        var acoustic = AudioOut.Forward(cls);

        return Ops.L2Normalize(Ops.Add(pipeline, acoustic));
    }

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Write(Path.Combine(folder, WeightsFile), NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter.Value)).ToList());
        File.WriteAllText(Path.Combine(folder, ConfigFile), JsonSerializer.Serialize(Config));
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
