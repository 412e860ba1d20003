using BrewClip.Models.Download;

namespace BrewClip.Models.Catalogue;

/// <summary>
/// One model users can choose: its published repository pinned to a revision, the widths the rest of the system must
/// follow, and its files for each published precision.
/// </summary>
/// <param name="Name">The name in options and in <c>brewclip models pull</c> (<c>clip-vit-large-patch14</c>).</param>
/// <param name="Repository">The public repository of the ONNX export (<c>Xenova/clip-vit-large-patch14</c>).</param>
/// <param name="Revision">The commit of that repository the files are pinned to.</param>
/// <param name="Width">CLIP: the width of <c>image_embeds</c>/<c>text_embeds</c> (the joint space: 512 or 768). Whisper: the encoder states' width.</param>
/// <param name="TextWidth">CLIP: the text tower's hidden width (<c>last_hidden_state</c>); Whisper: 0.</param>
/// <param name="MelBins">Whisper: the mel bins of its input features (80, or 128 for large-v3); CLIP: 0.</param>
/// <param name="Files">The files of each published precision, as pulled from <see cref="BaseUrl"/>; every precision is stored under the same local names.</param>
public sealed record CatalogueEntry(
    string Name,
    ModelFamily Family,
    string Repository,
    string Revision,
    int Width,
    int TextWidth,
    int MelBins,
    IReadOnlyDictionary<ModelPrecision, IReadOnlyList<ModelFile>> Files)
{
    /// <summary>Where the files are served: the repository at its pinned revision.</summary>
    public string BaseUrl => $"https://huggingface.co/{Repository}/resolve/{Revision}/";

    public bool Has(ModelPrecision precision) => Files.ContainsKey(precision);

    /// <summary>The folder in the model store: the name for fp32 (the layout stores had before there was a choice), <c>name-int8</c> for the 8-bit files.</summary>
    public string Folder(ModelPrecision precision) => precision == ModelPrecision.Fp32 ? Name : $"{Name}-{precision.Name()}";

    /// <summary>What <c>brewclip models pull</c> downloads for this precision, into <see cref="Folder"/>.</summary>
    public ModelManifest Manifest(ModelPrecision precision) => Files.TryGetValue(precision, out var files)
        ? new ModelManifest(Folder(precision), BaseUrl, files)
        : throw new ArgumentException($"{Name} has no published {precision.Name()} variant; it has {string.Join(", ", Files.Keys.Select(p => p.Name()))}.", nameof(precision));

    /// <summary>Whether every file of a precision has a pinned SHA-256 (else `models pull` asks the user to accept what it computed).</summary>
    public bool FullyPinned(ModelPrecision precision) => Files.TryGetValue(precision, out var files) && files.All(f => f.Sha256 is not null);
}
