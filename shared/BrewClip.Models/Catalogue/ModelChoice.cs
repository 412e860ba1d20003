namespace BrewClip.Models.Catalogue;

/// <summary>The models a deployment runs: one CLIP and one Whisper of the catalogue, at one precision.</summary>
public sealed record ModelChoice(CatalogueEntry Clip, CatalogueEntry Whisper, ModelPrecision Precision)
{
    /// <summary>What every service ran before there was a choice: CLIP ViT-B/32 and Whisper base at fp32.</summary>
    public static ModelChoice Default { get; } = new(
        ModelCatalogue.Get(ModelFamily.Clip, ModelCatalogue.DefaultClip, "Models:Clip"),
        ModelCatalogue.Get(ModelFamily.Whisper, ModelCatalogue.DefaultWhisper, "Models:Whisper"),
        ModelPrecision.Fp32);

    public string ClipFolder => Clip.Folder(Precision);

    public string WhisperFolder => Whisper.Folder(Precision);
}
