namespace BrewClip.Training.Runs;

/// <summary>A row of brewclip.training_runs as the worker needs it.</summary>
internal sealed record TrainingRun(long Id, string Trigger, bool Force, int? Epochs, string? FrameMatch, DateTime StartedAt);
