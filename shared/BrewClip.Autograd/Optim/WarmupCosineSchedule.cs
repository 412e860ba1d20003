namespace BrewClip.Autograd.Optim;

/// <summary>
/// Learning rate rising linearly from 0 to <c>peak</c> over the warm-up steps, then following a
/// half cosine down to <c>floor</c> at the last step.
/// </summary>
public sealed class WarmupCosineSchedule(float peak, int warmupSteps, int totalSteps, float floor = 0f)
{
    /// <summary>The rate for a step counted from 0.</summary>
    public float At(int step)
    {
        if (warmupSteps > 0 && step < warmupSteps)
        {
            return peak * (step + 1) / warmupSteps;
        }
        var decaySteps = Math.Max(1, totalSteps - warmupSteps);
        var progress = Math.Clamp((float)(step - warmupSteps) / decaySteps, 0f, 1f);
        return floor + (peak - floor) * 0.5f * (1 + MathF.Cos(MathF.PI * progress));
    }
}
