
namespace BrewClip.Models.Training;

/// <summary>Where a run is, reported after every step.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int TotalSteps, float Loss, double SamplesPerSecond, double EtaSeconds);
