using System.Diagnostics;
using System.Numerics.Tensors;
using BrewClip.Onnx;

namespace BrewClip.Benchmarks;

/// <summary>The least a caller can do with the export: encoder once, then greedy decoder calls feeding back the cache.</summary>
internal sealed class RawWhisperLoop(OnnxEnvironment environment, string folder, int[] prompt, int endOfText, int maxLength, int timestampBegin,
    IReadOnlyList<int> beginSuppress) : IDisposable
{
    private readonly OnnxSession _encoder = OnnxSession.Open(environment, Path.Combine(folder, "encoder_model.onnx"));
    private readonly OnnxSession _decoder = OnnxSession.Open(environment, Path.Combine(folder, "decoder_model_merged.onnx"));

    public double FirstTokenMs { get; private set; }

    public double SecondTokenMs { get; private set; }

    public double HundredthTokenMs { get; private set; }

    public List<int> Tokens { get; } = [];

    /// <summary>Decodes one window; returns how many tokens it produced.</summary>
    public int Run(float[] features)
    {
        float[] states;
        using (var encoded = _encoder.Run([OnnxInput.Float("input_features", features, 1, 80, 3000)], ["last_hidden_state"]))
        {
            states = encoded["last_hidden_state"].ToFloatArray();
        }
        var layers = _decoder.Inputs.Count(i => i.Name.EndsWith(".decoder.key", StringComparison.Ordinal));
        var (heads, headSize) = ((int)_decoder.Inputs.First(i => i.Name == "past_key_values.0.decoder.key").Shape[1], (int)_decoder.Inputs.First(i => i.Name == "past_key_values.0.decoder.key").Shape[3]);
        var frames = states.Length / (heads * headSize);
        var dk = new float[layers][];
        var dv = new float[layers][];
        var ek = Enumerable.Range(0, layers).Select(_ => new float[heads * frames * headSize]).ToArray();
        var ev = Enumerable.Range(0, layers).Select(_ => new float[heads * frames * headSize]).ToArray();
        var tokens = prompt.Select(t => (long)t).ToList();
        var length = 0;
        var produced = 0;
        Tokens.Clear();
        for (var step = 0; step < maxLength - prompt.Length; step++)
        {
            var clock = Stopwatch.StartNew();
            var ids = step == 0 ? tokens.ToArray() : [tokens[^1]];
            var inputs = new List<OnnxInput> { OnnxInput.Int64("input_ids", ids, 1, ids.Length), OnnxInput.Float("encoder_hidden_states", states, 1, frames, heads * headSize) };
            var names = new List<string> { "logits" };
            for (var l = 0; l < layers; l++)
            {
                inputs.Add(OnnxInput.Float($"past_key_values.{l}.decoder.key", dk[l] ?? [], 1, heads, length, headSize));
                inputs.Add(OnnxInput.Float($"past_key_values.{l}.decoder.value", dv[l] ?? [], 1, heads, length, headSize));
                inputs.Add(OnnxInput.Float($"past_key_values.{l}.encoder.key", ek[l], 1, heads, frames, headSize));
                inputs.Add(OnnxInput.Float($"past_key_values.{l}.encoder.value", ev[l], 1, heads, frames, headSize));
                names.AddRange([$"present.{l}.decoder.key", $"present.{l}.decoder.value"]);
                if (step == 0)
                {
                    names.AddRange([$"present.{l}.encoder.key", $"present.{l}.encoder.value"]);
                }
            }
            inputs.Add(OnnxInput.Bool("use_cache_branch", new[] { step > 0 }, 1));
            int next;
            using (var outputs = _decoder.Run(inputs, names))
            {
                var logits = outputs["logits"];
                var vocabulary = (int)logits.Shape[2];
                var last = logits.AsFloats()[^vocabulary..].ToArray();
                last.AsSpan(Math.Min(timestampBegin, vocabulary)).Fill(float.NegativeInfinity);
                if (step == 0)
                {
                    foreach (var token in beginSuppress)
                    {
                        last[token] = float.NegativeInfinity;
                    }
                }
                next = TensorPrimitives.IndexOfMax(last);
                for (var l = 0; l < layers; l++)
                {
                    dk[l] = outputs[$"present.{l}.decoder.key"].ToFloatArray();
                    dv[l] = outputs[$"present.{l}.decoder.value"].ToFloatArray();
                    if (step == 0)
                    {
                        ek[l] = outputs[$"present.{l}.encoder.key"].ToFloatArray();
                        ev[l] = outputs[$"present.{l}.encoder.value"].ToFloatArray();
                    }
                }
                length = (int)outputs["present.0.decoder.key"].Shape[2];
            }
            if (step == 0)
            {
                FirstTokenMs = clock.Elapsed.TotalMilliseconds;
            }
            else if (step == 1)
            {
                SecondTokenMs = clock.Elapsed.TotalMilliseconds;
            }
            else if (step == 99)
            {
                HundredthTokenMs = clock.Elapsed.TotalMilliseconds;
            }
            if (next == endOfText)
            {
                break;
            }
            tokens.Add(next);
            Tokens.Add(next);
            produced++;
        }
        return produced;
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }
}
