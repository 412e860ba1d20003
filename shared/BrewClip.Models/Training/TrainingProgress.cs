namespace BrewClip.Models.Training;

/// <summary>
/// Where a run is, reported after every step and after each epoch's validation (with <paramref name="Validation"/>, the
/// epoch's validation score, and <paramref name="BestValidation"/>, the best so far).
/// </summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int TotalSteps, float Loss, double SamplesPerSecond, double EtaSeconds,
    double? Validation = null, double? BestValidation = null);
