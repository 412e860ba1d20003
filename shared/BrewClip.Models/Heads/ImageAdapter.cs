using BrewClip.Autograd;
using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Models.Heads;

/// <summary>
/// The trainable form of <see cref="ImageHead"/>: vector = normalize(e + W·e + b) with (W, b) starting at
/// zero, saved as <c>image_head.safetensors</c> (<c>adapter.weight</c>, <c>adapter.bias</c>) for
/// <see cref="ImageHead.Load"/>.
/// </summary>
public sealed class ImageAdapter : Module
{
    public ImageAdapter(int size)
    {
        Size = size;
        Adapter = AddModule("adapter", new Linear(size, size, new Random(0), zeroInit: true));
    }

    public int Size { get; }

    public Linear Adapter { get; }

    /// <summary>Unit vectors [batch, Size] for CLIP image embeddings [batch, Size].</summary>
    public Tensor Forward(Tensor embeddings) => Ops.L2Normalize(Ops.Add(embeddings, Adapter.Forward(embeddings)));

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Write(Path.Combine(folder, ImageHead.FileName),
            NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter.Value)).ToList());
    }

    /// <summary>The adapter saved in a version's folder, to fine-tune from.</summary>
    public static ImageAdapter Load(string folder)
    {
        var path = Path.Combine(folder, ImageHead.FileName);
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
        var adapter = new ImageAdapter(bias.Size);
        adapter.Adapter.Weight.Load(weight.ToArray());
        adapter.Adapter.Bias!.Load(bias.ToArray());
        return adapter;
    }
}
