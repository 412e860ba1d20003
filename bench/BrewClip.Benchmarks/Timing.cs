using System.Diagnostics;

namespace BrewClip.Benchmarks;

internal static class Timing
{
    /// <summary>Median wall time of <paramref name="runs"/> calls after <paramref name="warmup"/> unmeasured ones.</summary>
    public static TimeSpan Median(Action action, int warmup, int runs)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }
        var times = new List<TimeSpan>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
