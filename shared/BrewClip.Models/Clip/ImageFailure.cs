namespace BrewClip.Models.Clip;

public sealed record ImageFailure(int Index, string Reason);
