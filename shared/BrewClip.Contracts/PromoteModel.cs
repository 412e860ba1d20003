namespace BrewClip.Contracts;

/// <summary>
/// Asks Training to register the heads in the artifact store's folder <paramref name="HeadsUri"/> (under
/// <c>heads/</c>, where the sender uploaded them after checking them) as a new version and promote it. Answered with
/// <see cref="ModelRequestAccepted"/> (the new version) or <see cref="ModelRequestRefused"/>.
/// </summary>
public sealed record PromoteModel(string HeadsUri, string Description);
