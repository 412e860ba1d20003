namespace BrewClip.Storage.ModelVersions;

/// <summary>
/// A model version as the embedding services need it: its heads are in <paramref name="ArtifactUri"/> (null for a base
/// version, the zero-shot model of its CLIP and Whisper); its vectors come from the catalogue models it records, at
/// <paramref name="Width"/> (its CLIP's embedding width).
/// </summary>
public sealed record ModelVersion(int Version, ModelVersionStatus Status, string? ArtifactUri,
    string Clip = "clip-vit-base-patch32", string Whisper = "whisper-base", int Width = 512)
{
    /// <summary>A base version: no trained heads; its vectors are its CLIP's own embeddings.</summary>
    public bool IsBase => ArtifactUri is null;

    /// <summary>The models, as a person reads them: "clip-vit-large-patch14 + whisper-base, 768-d".</summary>
    public string Models => $"{Clip} + {Whisper}, {Width}-d";
}
