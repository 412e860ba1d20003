namespace BrewClip.Contracts;

/// <summary>Searches now use <paramref name="ModelVersion"/>; <paramref name="PreviousVersion"/> was retired (a promotion completed, or a rollback).</summary>
public sealed record ModelActivated(int ModelVersion, int PreviousVersion);
