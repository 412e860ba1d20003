using System.Numerics.Tensors;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Models.Heads;

/// <summary>
/// BrewCLIP's image head: vector = normalize(e + W·e + b) over CLIP's projected <c>image_embeds</c> e.
/// The adapter (W, b) starts at zero, so version 0 (no adapter) is CLIP's own normalised embedding.
/// A trained adapter is read from <c>image_head.safetensors</c> (<c>adapter.weight</c> [D, D], <c>adapter.bias</c> [D]).
/// </summary>
public sealed class ImageHead
{
    public const string FileName = "image_head.safetensors";

    private readonly float[]? _weight;
    private readonly float[]? _bias;

    private ImageHead(int size, float[]? weight, float[]? bias)
    {
        Size = size;
        _weight = weight;
        _bias = bias;
    }

    public int Size { get; }

    /// <summary>Whether every weight of the adapter is a finite number (the identity head has none).</summary>
    public bool IsFinite => (_weight ?? []).All(float.IsFinite) && (_bias ?? []).All(float.IsFinite);

    /// <summary>The zero-shot head of version 0: CLIP's embedding, normalised.</summary>
    public static ImageHead Identity(int size) => new(size, null, null);

    public static ImageHead Load(string folder)
    {
        var (weight, bias) = ReadAdapter(folder);
        return new ImageHead(bias.Length, weight, bias);
    }

    /// <summary>The adapter's weight [D·D] and bias [D] from a version's <c>image_head.safetensors</c>, checked.</summary>
    internal static (float[] Weight, float[] Bias) ReadAdapter(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new ModelMissingException($"The image head {path} is missing; the model version's artifacts are incomplete.");
        }
        var (tensors, _) = SafetensorsFile.Read(path);
        if (!tensors.TryGetValue("adapter.weight", out var weight) || !tensors.TryGetValue("adapter.bias", out var bias)
            || weight.Rank != 2 || weight.Shape[0] != weight.Shape[1] || bias.Size != weight.Shape[0])
        {
            throw new InvalidDataException($"{path} must hold adapter.weight [D, D] and adapter.bias [D].");
        }
        return (weight.ToArray(), bias.ToArray());
    }

    /// <summary>Unit vectors for rows of projected embeddings ([count, Size] in, [count, Size] out).</summary>
    public float[] Apply(ReadOnlySpan<float> embeddings)
    {
        if (embeddings.Length % Size != 0)
        {
            throw new ArgumentException($"Embeddings of {embeddings.Length} values are not rows of {Size}.");
        }
        var output = embeddings.ToArray();
        for (var offset = 0; offset < output.Length; offset += Size)
        {
            var row = output.AsSpan(offset, Size);
            if (_weight is not null)
            {
                var input = embeddings.Slice(offset, Size);
                for (var i = 0; i < Size; i++)
                {
                    row[i] += TensorPrimitives.Dot(_weight.AsSpan(i * Size, Size), input) + _bias![i];
                }
            }
            var norm = MathF.Max(TensorPrimitives.Norm(row), 1e-12f);
            TensorPrimitives.Divide(row, norm, row);
        }
        return output;
    }
}
