namespace BrewClip.Models.Training;

/// <summary>
/// Where a run is, reported after every step and after each epoch's validation (with <paramref name="Validation"/>, the
/// epoch's validation score, and <paramref name="BestValidation"/>, the best so far). <paramref name="TotalSteps"/> is the
/// run's ceiling; an early-stopping run also says <paramref name="StopsAt"/>, the step it ends at if validation does not
/// improve again (it moves out each time validation improves), which its share done and time left are counted against.
/// </summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int TotalSteps, float Loss, double SamplesPerSecond, double EtaSeconds,
    double? Validation = null, double? BestValidation = null, int? StopsAt = null)
{
    /// <summary>The share of the run done: against where it stops if validation does not improve, or its ceiling.</summary>
    public double Done => (StopsAt ?? TotalSteps) is > 0 and var end ? Math.Clamp(Step / (double)end, 0, 1) : 0;

    /// <summary>"step 120/3000", or for an early-stopping run "step 120/~300 (at most 3000)".</summary>
    public static string StepText(int step, int? stopsAt, int totalSteps)
        => stopsAt is { } end
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"step {step}/~{end} (at most {totalSteps})")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"step {step}/{totalSteps}");
}
