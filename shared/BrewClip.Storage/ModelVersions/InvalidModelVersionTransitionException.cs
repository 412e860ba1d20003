namespace BrewClip.Storage.ModelVersions;

public sealed class InvalidModelVersionTransitionException(int version, ModelVersionStatus from, ModelVersionStatus to)
    : InvalidOperationException($"Model version {version} cannot go from {from.ToDatabase()} to {to.ToDatabase()}.")
{
    public int Version { get; } = version;

    public ModelVersionStatus From { get; } = from;

    public ModelVersionStatus To { get; } = to;
}
