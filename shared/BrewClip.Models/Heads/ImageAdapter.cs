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
        var (weight, bias) = ImageHead.ReadAdapter(folder);
        var adapter = new ImageAdapter(bias.Length);
        adapter.Adapter.Weight.Load(weight);
        adapter.Adapter.Bias!.Load(bias);
        return adapter;
    }

    /// <summary>Copies another adapter's weights into this one (a checkpoint's, or the active version's to fine-tune).</summary>
    public void LoadWeights(ImageAdapter other)
    {
        if (other.Size != Size)
        {
            throw new ArgumentException($"An adapter of size {other.Size} cannot be copied into one of size {Size}.");
        }
        Adapter.Weight.Load(other.Adapter.Weight.Value.Span);
        Adapter.Bias!.Load(other.Adapter.Bias!.Value.Span);
    }
}
