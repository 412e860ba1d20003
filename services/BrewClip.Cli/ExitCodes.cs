namespace BrewClip.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Unhealthy = 3;
    public const int Configuration = 78;
}
