using BrewClip.Models.Heads;

namespace BrewClip.Models.Tests;

public sealed class AudioHeadBatchesTests
{
    [Fact]
    public void Unpooled_30_s_windows_go_two_at_a_time()
        => Assert.Equal([2, 2, 1], AudioHeadBatches.Plan(Enumerable.Repeat(1500, 5), framePool: 1));

    [Fact]
    public void Pooling_4_frames_lets_16_times_as_many_windows_share_a_pass()
    {
        Assert.Equal(375, AudioHeadBatches.AttendedFrames(1500, 4));
        Assert.Equal([32, 32, 6], AudioHeadBatches.Plan(Enumerable.Repeat(1500, 70), framePool: 4));
    }

    [Fact]
    public void A_long_segment_after_short_ones_starts_its_own_batch_and_nothing_is_dropped()
    {
        var frames = new[] { 250, 250, 250, 1500, 1500, 250, 1 };
        var plan = AudioHeadBatches.Plan(frames, framePool: 1);
        Assert.Equal(frames.Length, plan.Sum());
        Assert.Equal([3, 2, 2], plan);
        Assert.Equal(2, AudioHeadBatches.AttendedFrames(5, 4));
    }

    [Fact]
    public void Every_batch_keeps_within_the_budget()
    {
        var random = new Random(3);
        var frames = Enumerable.Range(0, 500).Select(_ => random.Next(1, 1501)).ToArray();
        foreach (var pool in new[] { 1, 2, 4, 8 })
        {
            var start = 0;
            foreach (var size in AudioHeadBatches.Plan(frames, pool))
            {
                var longest = frames.Skip(start).Take(size).Max(f => AudioHeadBatches.AttendedFrames(f, pool));
                Assert.True(size == 1 || (long)size * longest * longest <= AudioHeadBatches.MaxFramesSquared, $"pool {pool}: {size} x {longest}");
                start += size;
            }
            Assert.Equal(frames.Length, start);
        }
    }
}
