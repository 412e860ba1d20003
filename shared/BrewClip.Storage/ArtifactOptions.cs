namespace BrewClip.Storage;

/// <summary>Where large artifacts are written (configuration section "Artifacts").</summary>
public sealed class ArtifactOptions
{
    public const string Section = "Artifacts";

    /// <summary>The artifact folder; empty means BREWCLIP_ARTIFACTS, else ./artifacts.</summary>
    public string Root { get; set; } = "";
}
