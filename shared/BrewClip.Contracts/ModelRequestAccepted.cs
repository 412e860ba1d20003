namespace BrewClip.Contracts;

/// <summary>Training's answer to <see cref="PromoteModel"/> or <see cref="ActivateModel"/>: what it did, to <paramref name="ModelVersion"/>.</summary>
public sealed record ModelRequestAccepted(int ModelVersion, string Outcome);
