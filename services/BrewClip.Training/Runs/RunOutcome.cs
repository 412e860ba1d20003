using BrewClip.Models.Training;

namespace BrewClip.Training.Runs;

/// <summary>How a run ended: its status in brewclip.training_runs, the message a person reads, and what it measured.</summary>
internal sealed record RunOutcome(TrainingRunStatus Status, string Message, TrainingMetrics? Metrics = null, int? CandidateVersion = null)
{
    public static RunOutcome Skipped(string message) => new(TrainingRunStatus.Skipped, message);
}
