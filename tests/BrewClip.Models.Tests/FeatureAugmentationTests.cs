using BrewClip.Autograd;
using BrewClip.Models.Training;

namespace BrewClip.Models.Tests;

public sealed class FeatureAugmentationTests
{
    /// <summary>Frame t holds (t, 10 t) : a ramp in time whose resampling has a known answer.</summary>
    private static Tensor Ramp(int frames) => Tensor.FromArray(Enumerable.Range(0, frames).SelectMany(t => new[] { (float)t, 10f * t }).ToArray(), frames, 2);

    [Fact]
    public void Stretching_by_one_keeps_the_states_and_by_two_interpolates_between_frame_centres()
    {
        Assert.Equal(Ramp(5).ToArray(), FeatureAugmentation.Stretch(Ramp(5), 1).ToArray());
        // 4 frames at centres 0..3 become 8 at 0.25 apart: (t + 0.5) / 2 - 0.5, clamped to [0, 3].
        var doubled = FeatureAugmentation.Stretch(Ramp(4), 2);
        Assert.Equal([8, 2], doubled.Shape);
        float[] times = [0, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3];
        Assert.Equal(times.SelectMany(t => new[] { t, 10 * t }), doubled.ToArray(), new ToleranceComparer(1e-5f));
        // Squeezed to half: 2 frames at the centres of 0-1 and 2-3.
        Assert.Equal(new[] { 0.5f, 5f, 2.5f, 25f }, FeatureAugmentation.Stretch(Ramp(4), 0.5).ToArray(), new ToleranceComparer(1e-5f));
        // Never below one frame.
        Assert.Equal([1, 2], FeatureAugmentation.Stretch(Ramp(3), 0.1).Shape);
    }

    [Fact]
    public void Dropping_a_span_leaves_the_frames_either_side_in_order_and_never_the_last_one()
    {
        Assert.Equal(new float[] { 0, 0, 3, 30, 4, 40 }, FeatureAugmentation.DropSpan(Ramp(5), 1, 2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureAugmentation.DropSpan(Ramp(3), 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureAugmentation.DropSpan(Ramp(3), 2, 2));
    }

    [Fact]
    public void Noise_has_the_asked_share_of_the_states_size_and_nothing_asked_changes_nothing()
    {
        var random = new Random(1);
        var states = Tensor.RandomNormal(random, 3f, 400, 50);
        var noisy = FeatureAugmentation.AddNoise(states, 0.1, new Random(2));
        var before = states.ToArray();
        var difference = noisy.ToArray().Zip(before, (a, b) => (double)a - b).ToArray();
        var rms = Math.Sqrt(before.Average(v => (double)v * v));
        var sigma = Math.Sqrt(difference.Average(d => d * d));
        Assert.InRange(sigma / rms, 0.095, 0.105);
        Assert.InRange(difference.Average(), -0.01 * rms, 0.01 * rms);

        var draws = new Random(5);
        Assert.Same(states, FeatureAugmentation.Apply(states, AugmentationOptions.None, draws));
        Assert.Equal(new Random(5).Next(), draws.Next());
    }

    [Fact]
    public void Every_change_together_keeps_the_width_and_a_length_within_its_bounds_and_repeats_with_its_seed()
    {
        var options = new AugmentationOptions(TimeStretch: 0.2, FrameDrop: 0.25, Noise: 0.05);
        var states = Tensor.RandomNormal(new Random(3), 1f, 100, 8);
        for (var seed = 0; seed < 50; seed++)
        {
            var changed = FeatureAugmentation.Apply(states, options, new Random(seed));
            Assert.Equal(8, changed.Shape[1]);
            // Stretched to 80-120 frames, then at most a quarter of those left out.
            Assert.InRange(changed.Shape[0], 60, 120);
            Assert.Equal(changed.ToArray(), FeatureAugmentation.Apply(states, options, new Random(seed)).ToArray());
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
