namespace BrewClip.Storage.ModelVersions;

/// <summary>Where a model version is in its life; <see cref="ModelVersionTransitions"/> says where it may go next.</summary>
public enum ModelVersionStatus
{
    /// <summary>Registered with its heads and metrics; not yet re-embedding anything.</summary>
    Candidate,

    /// <summary>The embedding services are re-embedding every item with it; searches do not see it yet.</summary>
    Backfilling,

    /// <summary>The version searches use; exactly one at a time.</summary>
    Active,

    /// <summary>Was active; its vectors are kept for a rollback until retention drops them.</summary>
    Retired,

    /// <summary>Did not beat the active version, or its backfill failed; the reason is kept.</summary>
    Rejected,
}
