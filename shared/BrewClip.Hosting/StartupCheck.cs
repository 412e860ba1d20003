using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrewClip.Hosting;

/// <summary>
/// Something a service must be able to do before its bus starts (load a model, say): run as a hosted service
/// registered ahead of the bus, it logs what it found, and an exception <c>isStartFailure</c> accepts stops the
/// service at start with that exception's message.
/// </summary>
internal sealed class StartupCheck(IServiceProvider services, Func<IServiceProvider, string> check, Func<Exception, bool> isStartFailure,
    ILogger<StartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            logger.LogInformation("{Found}", check(services));
        }
        catch (Exception e) when (isStartFailure(e))
        {
            throw new ServiceStartException(e.Message, e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class StartupCheckRegistration
{
    /// <summary>
    /// Runs <paramref name="check"/> when the host starts, before the bus (register it where the service adds its
    /// own services); its result is logged, and an exception <paramref name="isStartFailure"/> accepts ends the
    /// service at start (exit 1) with the exception's message.
    /// </summary>
    public static IServiceCollection AddStartupCheck(this IServiceCollection services, Func<IServiceProvider, string> check, Func<Exception, bool> isStartFailure)
        => services.AddHostedService(sp => new StartupCheck(sp, check, isStartFailure, sp.GetRequiredService<ILogger<StartupCheck>>()));
}
