using MassTransit;

namespace BrewClip.Hosting.Bus;

/// <summary>The failure reason stored for an item whose message exhausted its retries.</summary>
public static class FaultReason
{
    /// <summary>"{what} failed after retries: {exception type}: {message}", from the fault's first exception.</summary>
    public static string Describe(Fault fault, string what)
    {
        var error = fault.Exceptions.FirstOrDefault();
        return error is null ? $"{what} failed" : $"{what} failed after retries: {error.ExceptionType}: {error.Message}";
    }
}
