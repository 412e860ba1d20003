namespace BrewClip.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;

    /// <summary>A search or embed query that cannot be answered as given (empty, a file that does not decode, no such item).</summary>
    public const int BadQuery = 2;

    /// <summary>A command line that does not parse (an unknown option, a value that is not a number).</summary>
    public const int Usage = 2;
    public const int Unhealthy = 3;

    /// <summary>A training run's candidate did not become the active version (the gate rejected it, its backfill failed, or it stays a candidate).</summary>
    public const int NotPromoted = 4;

    /// <summary>A training run was skipped: too few new pairs since the last run (--if-new-pairs, the schedule).</summary>
    public const int Skipped = 5;
    public const int Configuration = 78;
}
