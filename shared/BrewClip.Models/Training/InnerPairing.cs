namespace BrewClip.Models.Training;

/// <summary>
/// What the inner loss pairs the acoustic channel's vector with: <c>Image</c>, the pair's image (as the outer loss does
/// with the fused vector), or <c>Pipeline</c>, the same recording's pipeline-channel vector (the two channels of one
/// recording pulled together, as BrewCLIP's authors' code does).
/// </summary>
public enum InnerPairing
{
    Image,
    Pipeline,
}
