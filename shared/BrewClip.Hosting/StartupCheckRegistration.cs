using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrewClip.Hosting;

public static class StartupCheckRegistration
{
    /// <summary>
    /// Runs <paramref name="check"/> when the host starts, before the bus (register it where the service adds its
    /// own services); its result is logged, and an exception <paramref name="isStartFailure"/> accepts ends the
    /// service at start (exit 1) with the exception's message.
    /// </summary>
    public static IServiceCollection AddStartupCheck(this IServiceCollection services, Func<IServiceProvider, string> check, Func<Exception, bool> isStartFailure)
        // Added, not AddHostedService: that keeps one registration per implementation type, so a service's second
        // check (its model after its artifact store, say) would silently never run.
        => services.AddSingleton<IHostedService>(sp => new StartupCheck(sp, check, isStartFailure, sp.GetRequiredService<ILogger<StartupCheck>>()));
}
