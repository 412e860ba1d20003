using BrewClip.Onnx;
using Microsoft.Extensions.Logging;

namespace BrewClip.Models.Clip;

/// <summary>CLIP's vision tower from the standard export: <c>pixel_values</c> [N, 3, 224, 224] -> <c>image_embeds</c> [N, D].</summary>
public sealed class ClipVisionTower : IDisposable
{
    private readonly OnnxSession _session;

    public ClipVisionTower(OnnxEnvironment environment, string modelPath, OnnxSessionOptions? options = null, ILogger? logger = null)
    {
        _session = OnnxSession.Open(environment, modelPath, options, logger);
        var input = _session.Inputs.FirstOrDefault(i => i.Name == "pixel_values");
        var output = _session.Outputs.FirstOrDefault(o => o.Name == "image_embeds");
        if (input is null || output is null || output.Shape.Length != 2 || output.Shape[1] <= 0)
        {
            throw new InvalidDataException(
                $"{modelPath} is not a CLIP vision export: it needs input pixel_values and output image_embeds [batch, size]; " +
                $"it has inputs {string.Join(", ", _session.Inputs)} and outputs {string.Join(", ", _session.Outputs)}.");
        }
        EmbeddingSize = (int)output.Shape[1];
    }

    public int EmbeddingSize { get; }

    public ExecutionProvider Provider => _session.Provider;

    /// <summary>One model run over <paramref name="count"/> images of preprocessed pixel values.</summary>
    public ClipEmbeddings Embed(ReadOnlyMemory<float> pixelValues, int count)
    {
        if (count == 0)
        {
            return new ClipEmbeddings(0, EmbeddingSize, [], []);
        }
        using var outputs = _session.Run(
            [OnnxInput.Float("pixel_values", pixelValues[..(count * ClipImagePreprocessor.ValuesPerImage)], count, 3, ClipImagePreprocessor.Size, ClipImagePreprocessor.Size)],
            ["image_embeds"]);
        var projected = outputs["image_embeds"].ToFloatArray();
        return new ClipEmbeddings(count, EmbeddingSize, projected, ClipEmbeddings.NormalizeRows(projected, EmbeddingSize));
    }

    public void Dispose() => _session.Dispose();
}
