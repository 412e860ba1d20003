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

    /// <summary>The peak of the managed heap, sampled every 2 ms while <paramref name="action"/> runs.</summary>
    public static long PeakManagedBytes(Action action)
    {
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                Thread.Sleep(2);
            }
        });
        try
        {
            action();
        }
        finally
        {
            sampling.Cancel();
            sampler.Wait();
        }
        return peak;
    }
}
