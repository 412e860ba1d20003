namespace BrewClip.Media;

/// <summary>How an ffmpeg run ended: its exit code and what it wrote to stderr.</summary>
public sealed record ToolRun(int ExitCode, string Errors)
{
    /// <summary>The last lines of stderr, joined, for a rejection reason or a log line.</summary>
    public string ErrorTail(int lines = 3)
    {
        var all = Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }
}
