namespace BrewClip.Storage.ModelVersions;

/// <summary>The model version stage machine: the statuses as the database spells them and the moves allowed between them.</summary>
public static class ModelVersionTransitions
{
    private static readonly Dictionary<ModelVersionStatus, ModelVersionStatus[]> Allowed = new()
    {
        [ModelVersionStatus.Candidate] = [ModelVersionStatus.Backfilling, ModelVersionStatus.Rejected],
        [ModelVersionStatus.Backfilling] = [ModelVersionStatus.Active, ModelVersionStatus.Rejected],
        [ModelVersionStatus.Active] = [ModelVersionStatus.Retired],
        // A rollback activates a retired version again.
        [ModelVersionStatus.Retired] = [ModelVersionStatus.Active],
        [ModelVersionStatus.Rejected] = [],
    };

    public static bool IsAllowed(ModelVersionStatus from, ModelVersionStatus to) => Allowed[from].Contains(to);

    /// <summary>Throws, naming the version and both statuses, unless the move is allowed.</summary>
    public static void Check(int version, ModelVersionStatus from, ModelVersionStatus to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvalidModelVersionTransitionException(version, from, to);
        }
    }

    public static string ToDatabase(this ModelVersionStatus status) => status switch
    {
        ModelVersionStatus.Candidate => "candidate",
        ModelVersionStatus.Backfilling => "backfilling",
        ModelVersionStatus.Active => "active",
        ModelVersionStatus.Retired => "retired",
        ModelVersionStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ModelVersionStatus Parse(string status) => status switch
    {
        "candidate" => ModelVersionStatus.Candidate,
        "backfilling" => ModelVersionStatus.Backfilling,
        "active" => ModelVersionStatus.Active,
        "retired" => ModelVersionStatus.Retired,
        "rejected" => ModelVersionStatus.Rejected,
        _ => throw new InvalidDataException($"'{status}' is not a model version status."),
    };
}
