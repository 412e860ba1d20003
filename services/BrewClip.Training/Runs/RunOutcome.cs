namespace BrewClip.Training.Runs;

/// <summary>How a run ended: its status in brewclip.training_runs and the message a person reads.</summary>
internal sealed record RunOutcome(string Status, string Message, string? MetricsJson = null, int? CandidateVersion = null)
{
    public static RunOutcome Skipped(string message) => new("skipped", message);
}
