namespace BrewClip.Training.Runs;

/// <summary>A row of brewclip.training_runs as the worker needs it.</summary>
internal sealed record TrainingRun(long Id, string Trigger, bool Force, int? Epochs, string? FrameMatch, DateTime StartedAt);

/// <summary>How a run ended: its status in brewclip.training_runs and the message a person reads.</summary>
internal sealed record RunOutcome(string Status, string Message, string? MetricsJson = null, int? CandidateVersion = null)
{
    public static RunOutcome Skipped(string message) => new("skipped", message);
}
