using BrewClip.Onnx;
using Microsoft.Extensions.Logging;

namespace BrewClip.Models.Clip;

/// <summary>
/// CLIP's text tower from the standard export: <c>input_ids</c> [N, 77] (and <c>attention_mask</c> when the
/// export has it) -> <c>text_embeds</c> [N, D] and <c>last_hidden_state</c> [N, 77, H].
/// </summary>
public sealed class ClipTextTower : IDisposable
{
    private readonly OnnxSession _session;
    private readonly bool _takesAttentionMask;

    public ClipTextTower(OnnxEnvironment environment, string modelPath, ClipTokenizer tokenizer, OnnxSessionOptions? options = null, ILogger? logger = null)
    {
        Tokenizer = tokenizer;
        _session = OnnxSession.Open(environment, modelPath, options, logger);
        var embeds = _session.Outputs.FirstOrDefault(o => o.Name == "text_embeds");
        var states = _session.Outputs.FirstOrDefault(o => o.Name == "last_hidden_state");
        if (_session.Inputs.All(i => i.Name != "input_ids") || embeds is null || states is null
            || embeds.Shape.Length != 2 || embeds.Shape[1] <= 0 || states.Shape.Length != 3 || states.Shape[2] <= 0)
        {
            throw new InvalidDataException(
                $"{modelPath} is not a CLIP text export: it needs input input_ids and outputs text_embeds [batch, size] and last_hidden_state [batch, 77, width]; " +
                $"it has inputs {string.Join(", ", _session.Inputs)} and outputs {string.Join(", ", _session.Outputs)}.");
        }
        _takesAttentionMask = _session.Inputs.Any(i => i.Name == "attention_mask");
        EmbeddingSize = (int)embeds.Shape[1];
        Width = (int)states.Shape[2];
    }

    public ClipTokenizer Tokenizer { get; }

    public int EmbeddingSize { get; }

    /// <summary>The width of each token state in <c>last_hidden_state</c>.</summary>
    public int Width { get; }

    public ClipTextFeatures Encode(IReadOnlyList<string> texts)
    {
        var count = texts.Count;
        const int context = ClipTokenizer.ContextLength;
        var ids = new long[count * context];
        var mask = new long[count * context];
        var lengths = new int[count];
        for (var i = 0; i < count; i++)
        {
            lengths[i] = Tokenizer.Tokenize(texts[i], ids.AsSpan(i * context, context));
            mask.AsSpan(i * context, lengths[i]).Fill(1);
        }
        if (count == 0)
        {
            return new ClipTextFeatures(new ClipEmbeddings(0, EmbeddingSize, [], []), [], [], Width);
        }
        var inputs = new List<OnnxInput> { OnnxInput.Int64("input_ids", ids, count, context) };
        if (_takesAttentionMask)
        {
            inputs.Add(OnnxInput.Int64("attention_mask", mask, count, context));
        }
        using var outputs = _session.Run(inputs, ["text_embeds", "last_hidden_state"]);
        var projected = outputs["text_embeds"].ToFloatArray();
        return new ClipTextFeatures(
            new ClipEmbeddings(count, EmbeddingSize, projected, ClipEmbeddings.NormalizeRows(projected, EmbeddingSize)),
            outputs["last_hidden_state"].ToFloatArray(),
            lengths,
            Width);
    }

    public void Dispose() => _session.Dispose();
}
