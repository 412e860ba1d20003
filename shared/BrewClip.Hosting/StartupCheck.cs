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
