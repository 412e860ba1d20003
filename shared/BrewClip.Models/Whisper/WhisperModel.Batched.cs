using BrewClip.Onnx;

namespace BrewClip.Models.Whisper;

public sealed partial class WhisperModel
{
    /// <summary>
    /// Greedy decoding of several windows at once: one decoder call a step for every window still decoding, each row with
    /// its own key/value cache (the rows of the batch's tensors), rows leaving the batch as they reach their end. Each
    /// window gets the tokens <see cref="Decode"/> gives it alone. Windows whose prompts differ in length (options differ in
    /// timestamps or task) cannot share a step: give them in separate batches.
    /// </summary>
    /// <param name="encoderStates">Each window's encoder states [frames, Width]; every window the same number of frames.</param>
    /// <param name="options">The options of every window; a null language is detected per window.</param>
    public IReadOnlyList<WhisperTranscript> DecodeBatch(IReadOnlyList<float[]> encoderStates, WhisperDecodeOptions options)
    {
        if (encoderStates.Count == 0)
        {
            return [];
        }
        var frames = encoderStates[0].Length / Width;
        if (encoderStates.Any(s => s.Length != frames * Width))
        {
            throw new ArgumentException("every window of a batch must have the same number of encoder frames", nameof(encoderStates));
        }
        var languages = encoderStates.Select(s => options.Language ?? DetectLanguage(s, frames)).ToArray();
        var prompts = languages.Select(l => Tokenizer.Prompt(l, options.Translate, options.Timestamps)).ToArray();
        var budget = Generation.MaxLength - prompts[0].Length;
        if (options.MaxNewTokens > 0)
        {
            budget = Math.Min(budget, options.MaxNewTokens);
        }
        var generated = encoderStates.Select(_ => new List<int>()).ToArray();

        // The rows still decoding, in batch order, and what the batch's tensors hold for them.
        var active = Enumerable.Range(0, encoderStates.Count).ToList();
        var states = Concatenate(active.Select(r => encoderStates[r]).ToList());
        BatchCache? cache = null;
        long[] ids = prompts.SelectMany(p => p.Select(t => (long)t)).ToArray();
        for (var step = 0; step < budget && active.Count > 0; step++)
        {
            var (logits, vocabulary, next) = BatchStep(ids, active.Count, states, frames, cache);
            var keep = new List<int>(active.Count);
            var nextIds = new List<long>(active.Count);
            for (var i = 0; i < active.Count; i++)
            {
                var row = active[i];
                var rowLogits = logits.AsSpan(i * vocabulary, vocabulary).ToArray();
                Suppress(rowLogits, first: step == 0, options.Timestamps);
                if (options.Timestamps)
                {
                    TimestampRules.Apply(rowLogits, generated[row], Tokenizer);
                }
                var token = ArgMax(rowLogits);
                if (token == Tokenizer.EndOfText)
                {
                    continue;
                }
                generated[row].Add(token);
                keep.Add(i);
                nextIds.Add(token);
            }
            if (keep.Count < active.Count)
            {
                // Rows that reached their end leave: their rows are dropped from every cached tensor.
                next = next.Rows(keep, _layers);
                states = keep.Count == 0 ? [] : Concatenate(keep.Select(i => encoderStates[active[i]]).ToList());
                active = keep.Select(i => active[i]).ToList();
            }
            cache = next;
            ids = [.. nextIds];
        }
        return generated.Select((tokens, row) => new WhisperTranscript(tokens, Tokenizer.Decode(tokens).Trim(), languages[row])).ToList();
    }

    /// <summary>One decoder call for a batch: the logits of each row's last position [rows, vocabulary], and the cache it leaves.</summary>
    private (float[] Logits, int Vocabulary, BatchCache Cache) BatchStep(long[] ids, int rows, float[] states, int frames, BatchCache? past)
    {
        var sequence = ids.Length / rows;
        var inputs = new List<OnnxInput>
        {
            OnnxInput.Int64("input_ids", ids, rows, sequence),
            OnnxInput.Float("encoder_hidden_states", states, rows, frames, Width),
        };
        var pastLength = past?.DecoderLength ?? 0;
        var encoderCacheSize = rows * _heads * frames * _headSize;
        for (var layer = 0; layer < _layers; layer++)
        {
            inputs.Add(OnnxInput.Float($"past_key_values.{layer}.decoder.key", past?.DecoderKeys[layer] ?? [], rows, _heads, pastLength, _headSize));
            inputs.Add(OnnxInput.Float($"past_key_values.{layer}.decoder.value", past?.DecoderValues[layer] ?? [], rows, _heads, pastLength, _headSize));
            inputs.Add(OnnxInput.Float($"past_key_values.{layer}.encoder.key", past?.EncoderKeys[layer] ?? new float[encoderCacheSize], rows, _heads, frames, _headSize));
            inputs.Add(OnnxInput.Float($"past_key_values.{layer}.encoder.value", past?.EncoderValues[layer] ?? new float[encoderCacheSize], rows, _heads, frames, _headSize));
        }
        inputs.Add(OnnxInput.Bool("use_cache_branch", new[] { past is not null }, 1));
        var names = new List<string> { "logits" };
        for (var layer = 0; layer < _layers; layer++)
        {
            names.AddRange([$"present.{layer}.decoder.key", $"present.{layer}.decoder.value"]);
            if (past is null)
            {
                names.AddRange([$"present.{layer}.encoder.key", $"present.{layer}.encoder.value"]);
            }
        }
        using var outputs = _decoder.Run(inputs, names);
        var all = outputs["logits"];
        var vocabulary = (int)all.Shape[2];
        var values = all.AsFloats();
        var logits = new float[rows * vocabulary];
        for (var row = 0; row < rows; row++)
        {
            values.Slice(((row + 1) * sequence - 1) * vocabulary, vocabulary).CopyTo(logits.AsSpan(row * vocabulary));
        }
        var cache = new BatchCache(
            Enumerable.Range(0, _layers).Select(l => outputs[$"present.{l}.decoder.key"].ToFloatArray()).ToArray(),
            Enumerable.Range(0, _layers).Select(l => outputs[$"present.{l}.decoder.value"].ToFloatArray()).ToArray(),
            past?.EncoderKeys ?? Enumerable.Range(0, _layers).Select(l => outputs[$"present.{l}.encoder.key"].ToFloatArray()).ToArray(),
            past?.EncoderValues ?? Enumerable.Range(0, _layers).Select(l => outputs[$"present.{l}.encoder.value"].ToFloatArray()).ToArray(),
            (int)outputs["present.0.decoder.key"].Shape[2], rows);
        return (logits, vocabulary, cache);
    }

    private static float[] Concatenate(IReadOnlyList<float[]> parts)
    {
        var all = new float[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }
        return all;
    }

    /// <summary>A batch's keys and values per layer, [rows, heads, length, headSize], row-major, so a row is one contiguous block.</summary>
    private sealed record BatchCache(float[][] DecoderKeys, float[][] DecoderValues, float[][] EncoderKeys, float[][] EncoderValues, int DecoderLength, int RowCount)
    {
        /// <summary>The cache of the given rows only, in that order.</summary>
        public BatchCache Rows(IReadOnlyList<int> rows, int layers)
        {
            float[][] Pick(float[][] tensors) => Enumerable.Range(0, layers).Select(l =>
            {
                var block = tensors[l].Length / RowCount;
                var picked = new float[rows.Count * block];
                for (var i = 0; i < rows.Count; i++)
                {
                    Array.Copy(tensors[l], rows[i] * block, picked, i * block, block);
                }
                return picked;
            }).ToArray();
            return new BatchCache(Pick(DecoderKeys), Pick(DecoderValues), Pick(EncoderKeys), Pick(EncoderValues), DecoderLength, rows.Count);
        }
    }
}
