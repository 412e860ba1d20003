using System.ComponentModel.DataAnnotations;
using BrewClip.Models.Training;
using BrewClip.Training;

namespace BrewClip.Services.Tests;

/// <summary>Training's options as the host validates them at start: each bad value named, the defaults valid.</summary>
public sealed class TrainingOptionsTests
{
    private static List<string> Problems(TrainingOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Problems(new TrainingOptions()));

    [Fact]
    public void A_negative_schedule_is_refused() => Assert.Equal(
        ["Training:Schedule must be 00:00:00 (off) or a positive interval; got -01:00:00."],
        Problems(new TrainingOptions { Schedule = TimeSpan.FromHours(-1) }));

    [Fact]
    public void Loss_weights_that_leave_the_fused_loss_nothing_are_refused() => Assert.Equal(
        ["Training:InnerOuterWeight (0.8) and Training:TextWeight (0.25) must add up to less than 1: the fused vector's loss gets the rest."],
        Problems(new TrainingOptions { InnerOuterWeight = 0.8, TextWeight = 0.25 }));

    [Fact]
    public void A_head_width_the_heads_do_not_divide_is_refused() => Assert.Equal(
        ["Training:HeadWidth (100) must be divisible by Training:Heads (8)."],
        Problems(new TrainingOptions { HeadWidth = 100, Heads = 8 }));

    [Fact]
    public void An_index_build_list_under_twice_the_graph_degree_is_refused() => Assert.Equal(
        ["Training:HnswEfConstruction (40) must be at least twice Training:HnswM (32)."],
        Problems(new TrainingOptions { HnswEfConstruction = 40 }));

    [Fact]
    public void Out_of_range_values_are_named()
    {
        var problems = Problems(new TrainingOptions { Patience = 0, MinPairs = 1, IndexBuildMemory = "lots" });
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains(nameof(TrainingOptions.Patience), StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(nameof(TrainingOptions.MinPairs), StringComparison.Ordinal));
        Assert.Contains("must be a size such as 512MB or 1GB", problems);
    }

    [Fact]
    public void A_run_trains_until_validation_stops_improving_with_augmented_segments_unless_a_length_is_given()
    {
        var defaults = new TrainingOptions().Trainer(null, FrameMatch.Nearest);
        Assert.True(defaults.StopEarly);
        Assert.Equal((500, 10, 1000, 3000), (defaults.Epochs, defaults.Patience, defaults.MinSteps, defaults.MaxSteps));
        Assert.Equal(new AugmentationOptions(TimeStretch: 0.15, FrameDrop: 0.2, Noise: 0.1), defaults.Augmentation);

        var requested = new TrainingOptions { Epochs = 20, AugmentTimeStretch = 0, AugmentFrameDrop = 0, AugmentNoise = 0 }.Trainer(7, FrameMatch.Multiframe);
        Assert.False(requested.StopEarly);
        Assert.Equal(7, requested.Epochs);
        Assert.Equal(FrameMatch.Multiframe, requested.FrameMatch);
        Assert.True(requested.Augmentation.IsNone);
        Assert.Equal(20, new TrainingOptions { Epochs = 20 }.Trainer(null, FrameMatch.Nearest).Epochs);
    }

    [Fact]
    public void Augmentation_out_of_its_range_is_named()
    {
        var problems = Problems(new TrainingOptions { AugmentTimeStretch = 1, AugmentFrameDrop = -0.1, AugmentNoise = 11 });
        Assert.Equal(3, problems.Count);
        foreach (var name in new[] { nameof(TrainingOptions.AugmentTimeStretch), nameof(TrainingOptions.AugmentFrameDrop), nameof(TrainingOptions.AugmentNoise) })
        {
            Assert.Contains(problems, p => p.Contains(name, StringComparison.Ordinal));
        }
    }
}
