using System.Diagnostics;
using System.Globalization;

namespace BrewClip.Queries;

/// <summary>
/// Where one query's time went, stage by stage (probe, decode, embed, search), filled in as the query runs, so a
/// query that fails or is cancelled part way still says how far it got and how long each stage took.
/// </summary>
public sealed class QueryTimings
{
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly Stopwatch _stage = new();
    private readonly Dictionary<string, double> _milliseconds = [];

    /// <summary>The stage running now (or the last one that ran); null before any.</summary>
    public string? Stage { get; private set; }

    public double ProbeMilliseconds => Of("probe");

    public double DecodeMilliseconds => Of("decode");

    public double EmbedMilliseconds => Of("embed");

    public double SearchMilliseconds => Of("search");

    public double TotalMilliseconds => _total.Elapsed.TotalMilliseconds;

    /// <summary>Ends the stage running now, if any, and starts <paramref name="stage"/>.</summary>
    public void Begin(string stage)
    {
        End();
        Stage = stage;
        _stage.Restart();
    }

    /// <summary>Ends the stage running now (its time is added to that stage's).</summary>
    public void End()
    {
        if (_stage.IsRunning && Stage is not null)
        {
            _milliseconds[Stage] = Of(Stage) + _stage.Elapsed.TotalMilliseconds;
            _stage.Reset();
        }
    }

    /// <summary>"probe 3 ms, decode 120 ms, embed 840 ms, search 12 ms" (the stages that ran).</summary>
    public override string ToString()
        => string.Join(", ", _milliseconds.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:F0} ms")));

    private double Of(string stage) => _milliseconds.TryGetValue(stage, out var value) ? value : 0;
}
