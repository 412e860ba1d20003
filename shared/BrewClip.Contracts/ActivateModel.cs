namespace BrewClip.Contracts;

/// <summary>Asks Training to make a retained version active at once (a rollback). Answered with <see cref="ModelRequestAccepted"/> or <see cref="ModelRequestRefused"/>.</summary>
public sealed record ActivateModel(int ModelVersion);
