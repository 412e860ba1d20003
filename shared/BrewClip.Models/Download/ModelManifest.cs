using BrewClip.Models.Catalogue;

namespace BrewClip.Models.Download;

/// <summary>A model's published files and where they are served from; <see cref="Name"/> is its folder in the model store.</summary>
public sealed record ModelManifest(string Name, string BaseUrl, IReadOnlyList<ModelFile> Files)
{
    /// <summary>What `brewclip models pull` knows: every catalogue entry at every published precision, by its folder name.</summary>
    public static IReadOnlyDictionary<string, ModelManifest> Known { get; } = ModelCatalogue.Entries
        .SelectMany(entry => entry.Files.Keys.Select(entry.Manifest))
        .ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
}
