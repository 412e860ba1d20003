
namespace BrewClip.Models.Heads;

/// <summary>Which channels a forward pass computes: the audio vector needs both; the ablations one each.</summary>
[Flags]
public enum AudioChannels
{
    Pipeline = 1,
    Acoustic = 2,
    Both = Pipeline | Acoustic,
}
