using BrewClip.Models.Training;

namespace BrewClip.Models.Tests;

public sealed class TrainingProgressTests
{
    [Fact]
    public void A_fixed_run_counts_against_its_length_and_an_early_stopping_one_against_where_it_stops()
    {
        var fixedRun = new TrainingProgress(2, 10, 120, 300, 1f, 10, 0);
        Assert.Equal(0.4, fixedRun.Done, 12);
        Assert.Equal("step 120/300", TrainingProgress.StepText(fixedRun.Step, fixedRun.StopsAt, fixedRun.TotalSteps));

        var early = fixedRun with { TotalSteps = 3000, StopsAt = 240 };
        Assert.Equal(0.5, early.Done, 12);
        Assert.Equal("step 120/~240 (at most 3000)", TrainingProgress.StepText(early.Step, early.StopsAt, early.TotalSteps));
        Assert.Equal(0, (fixedRun with { TotalSteps = 0 }).Done);
    }
}
