namespace BrewClip.Contracts;

/// <summary>
/// Asks Training to register the heads in <paramref name="StagedFolder"/> (relative to the model store, where the
/// sender copied them after checking them) as a new version and promote it. Answered with
/// <see cref="ModelRequestAccepted"/> (the new version) or <see cref="ModelRequestRefused"/>.
/// </summary>
public sealed record PromoteModel(string StagedFolder, string Description);
