namespace BrewClip.Media;

/// <summary>What one run of an external tool produced.</summary>
public sealed record ToolRun(int ExitCode, byte[] Output, string Errors)
{
    /// <summary>The last lines of stderr, for an error message.</summary>
    public string ErrorTail(int lines = 3)
    {
        var all = Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }
}
