using System.Text.RegularExpressions;
using BrewClip.Onnx;
using Microsoft.Extensions.Logging;

namespace BrewClip.Models.Whisper;

/// <summary>
/// Whisper from its standard ONNX export: the encoder (<c>input_features</c> -> <c>last_hidden_state</c>)
/// and the merged decoder (<c>input_ids</c>, <c>encoder_hidden_states</c>, <c>past_key_values.*</c>,
/// <c>use_cache_branch</c> -> <c>logits</c>, <c>present.*</c>), decoded greedily with the suppress lists
/// of <c>generation_config.json</c>. The first decoder call (no cache) projects the encoder states into
/// cross-attention keys and values once; later calls feed one token and the cache.
/// </summary>
public sealed partial class WhisperModel : IDisposable
{
    private readonly OnnxSession _encoder;
    private readonly OnnxSession _decoder;
    private readonly int _layers;
    private readonly int _heads;
    private readonly int _headSize;

    public WhisperModel(OnnxEnvironment environment, string folder, OnnxSessionOptions? options = null, ILogger? logger = null)
    {
        Tokenizer = WhisperTokenizer.FromFolder(folder);
        Generation = WhisperGenerationConfig.Read(Path.Combine(folder, "generation_config.json"));
        _encoder = OnnxSession.Open(environment, Path.Combine(folder, "encoder_model.onnx"), options, logger);
        _decoder = OnnxSession.Open(environment, Path.Combine(folder, "decoder_model_merged.onnx"), options, logger);

        var states = _encoder.Outputs.FirstOrDefault(o => o.Name == "last_hidden_state");
        var features = _encoder.Inputs.FirstOrDefault(i => i.Name == "input_features");
        if (features is null || states is null || features.Shape.Length != 3 || states.Shape.Length != 3 || states.Shape[2] <= 0)
        {
            throw new InvalidDataException($"{folder}/encoder_model.onnx is not a Whisper encoder export (input_features -> last_hidden_state); it has {string.Join(", ", _encoder.Inputs)} -> {string.Join(", ", _encoder.Outputs)}.");
        }
        MelBins = (int)features.Shape[1];
        Width = (int)states.Shape[2];
        var pastKey = _decoder.Inputs.FirstOrDefault(i => i.Name == "past_key_values.0.decoder.key");
        if (pastKey is null || _decoder.Inputs.All(i => i.Name != "use_cache_branch") || _decoder.Outputs.All(o => o.Name != "logits") || pastKey.Shape.Length != 4)
        {
            throw new InvalidDataException($"{folder}/decoder_model_merged.onnx is not a merged Whisper decoder export; it has inputs {string.Join(", ", _decoder.Inputs)}.");
        }
        _layers = _decoder.Inputs.Count(i => PastKey().IsMatch(i.Name));
        _heads = (int)pastKey.Shape[1];
        _headSize = (int)pastKey.Shape[3];
    }

    public WhisperTokenizer Tokenizer { get; }

    public WhisperGenerationConfig Generation { get; }

    public int MelBins { get; }

    /// <summary>The width of each encoder state (512 for whisper-base).</summary>
    public int Width { get; }

    [GeneratedRegex(@"^past_key_values\.\d+\.decoder\.key$")]
    private static partial Regex PastKey();

    /// <summary>Encoder states [frames, Width] of one window of log-mel features [MelBins, 3000].</summary>
    public float[] Encode(float[] features)
    {
        using var outputs = _encoder.Run([OnnxInput.Float("input_features", features, 1, MelBins, features.Length / MelBins)], ["last_hidden_state"]);
        return outputs["last_hidden_state"].ToFloatArray();
    }

    /// <summary>Greedy decoding of one window's encoder states.</summary>
    public WhisperTranscript Decode(float[] encoderStates, WhisperDecodeOptions options)
    {
        var frames = encoderStates.Length / Width;
        var language = options.Language ?? DetectLanguage(encoderStates, frames);
        var prompt = Tokenizer.Prompt(language, options.Translate, options.Timestamps);
        var budget = Generation.MaxLength - prompt.Length;
        if (options.MaxNewTokens > 0)
        {
            budget = Math.Min(budget, options.MaxNewTokens);
        }

        var tokens = new List<int>(prompt);
        var generated = new List<int>();
        BatchCache? cache = null;
        for (var step = 0; step < budget; step++)
        {
            // With the cache only the newest token goes in; without it, the whole sequence every time.
            float[] logits;
            (logits, cache) = options.UseCache && cache is not null
                ? Step([tokens[^1]], encoderStates, frames, cache)
                : Step(tokens.ToArray(), encoderStates, frames, null);
            Suppress(logits, first: step == 0, options.Timestamps);
            if (options.Timestamps)
            {
                TimestampRules.Apply(logits, generated, Tokenizer);
            }
            var next = ArgMax(logits);
            if (next == Tokenizer.EndOfText)
            {
                break;
            }
            generated.Add(next);
            tokens.Add(next);
        }
        return new WhisperTranscript(generated, Tokenizer.Decode(generated).Trim(), language);
    }

    /// <summary>The most likely language token after &lt;|startoftranscript|&gt;.</summary>
    public string DetectLanguage(float[] encoderStates, int frames)
    {
        var (logits, _) = Step([Tokenizer.StartOfTranscript], encoderStates, frames, null);
        var best = Tokenizer.Languages.MaxBy(code => logits[Tokenizer.LanguageToken(code)])!;
        return best;
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }

    /// <summary>One decoder call for one window: logits of the last position, and the cache it leaves.</summary>
    private (float[] Logits, BatchCache Cache) Step(int[] inputIds, float[] encoderStates, int frames, BatchCache? past)
    {
        var (logits, _, cache) = BatchStep(inputIds.Select(i => (long)i).ToArray(), 1, encoderStates, frames, past);
        return (logits, cache);
    }

    private void Suppress(float[] logits, bool first, bool timestamps)
    {
        foreach (var token in Generation.SuppressTokens.Where(t => t < logits.Length))
        {
            logits[token] = float.NegativeInfinity;
        }
        if (first)
        {
            foreach (var token in Generation.BeginSuppressTokens.Where(t => t < logits.Length))
            {
                logits[token] = float.NegativeInfinity;
            }
        }
        if (!timestamps)
        {
            logits.AsSpan(Math.Min(Tokenizer.TimestampBegin, logits.Length)).Fill(float.NegativeInfinity);
        }
    }

    private static int ArgMax(float[] values) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(values);
}
