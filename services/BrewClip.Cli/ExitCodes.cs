namespace BrewClip.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;

    /// <summary>A search or embed query that cannot be answered as given (empty, a file that does not decode, no such item).</summary>
    public const int BadQuery = 2;
    public const int Unhealthy = 3;
    public const int Configuration = 78;
}
