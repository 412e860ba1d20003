namespace BrewClip.Training.Runs;

internal static class TrainingRunStatuses
{
    public static string ToDatabase(this TrainingRunStatus status) => status switch
    {
        TrainingRunStatus.Succeeded => "succeeded",
        TrainingRunStatus.Rejected => "rejected",
        TrainingRunStatus.Skipped => "skipped",
        TrainingRunStatus.Failed => "failed",
        TrainingRunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
