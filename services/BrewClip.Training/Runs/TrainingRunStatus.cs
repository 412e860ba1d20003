namespace BrewClip.Training.Runs;

/// <summary>How a training run ended, as brewclip.training_runs spells it (<see cref="TrainingRunStatuses.ToDatabase"/>).</summary>
internal enum TrainingRunStatus
{
    /// <summary>Trained, and its candidate was handed to promotion.</summary>
    Succeeded,

    /// <summary>Trained, and the gate rejected its candidate.</summary>
    Rejected,

    /// <summary>Did not train: too few pairs, or too few new ones.</summary>
    Skipped,

    Failed,

    Cancelled,
}
