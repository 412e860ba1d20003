using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrewClip.Cli;

/// <summary>Asks the Training service, which owns model versions, to change them, and waits for its answer.</summary>
internal static class TrainingClient
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Publishes an event (to every service that consumes it); false, with the reason printed, when RabbitMQ cannot be reached.</summary>
    public static async Task<bool> PublishAsync<TEvent>(RabbitMqOptions rabbitMq, TEvent message, CancellationToken cancellationToken)
        where TEvent : class
    {
        using var host = BuildHost(rabbitMq);
        try
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IBus>().Publish(message, cancellationToken);
            await host.StopAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is RabbitMqConnectionException or RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
            Console.Error.WriteLine($"brewclip: cannot reach RabbitMQ at {rabbitMq.Host}:{rabbitMq.Port}: {e.GetBaseException().Message}");
            return false;
        }
    }

    private static IHost BuildHost(RabbitMqOptions rabbitMq)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(rabbitMq));
        builder.Services.AddBrewClipBus(rabbitMq, new ServiceOptions(), owner: "brewclip-cli");
        return builder.Build();
    }

    /// <summary>Sends a request and prints the answer; returns the version accepted, or null (the reason printed).</summary>
    public static async Task<int?> AskAsync<TRequest>(RabbitMqOptions rabbitMq, TRequest request, CancellationToken cancellationToken)
        where TRequest : class
        => (await AskForAnswerAsync(rabbitMq, request, cancellationToken)).Version;

    /// <summary>
    /// As <see cref="AskAsync"/>, saying also whether Training refused: with no answer (not running, slow) the request
    /// may still be handled later.
    /// </summary>
    public static async Task<(int? Version, bool Refused)> AskForAnswerAsync<TRequest>(RabbitMqOptions rabbitMq, TRequest request, CancellationToken cancellationToken)
        where TRequest : class
    {
        using var host = BuildHost(rabbitMq);
        try
        {
            await host.StartAsync(cancellationToken);
            var client = host.Services.GetRequiredService<IBus>().CreateRequestClient<TRequest>(RequestTimeout.After(s: (int)Patience.TotalSeconds));
            var response = await client.GetResponse<ModelRequestAccepted, ModelRequestRefused>(request, cancellationToken);
            await host.StopAsync(cancellationToken);
            if (response.Is(out Response<ModelRequestRefused>? refused))
            {
                Console.Error.WriteLine($"brewclip: refused: {refused.Message.Reason}");
                return (null, true);
            }
            response.Is(out Response<ModelRequestAccepted>? accepted);
            Console.WriteLine($"version {accepted!.Message.ModelVersion}: {accepted.Message.Outcome}");
            return (accepted.Message.ModelVersion, false);
        }
        catch (RequestTimeoutException)
        {
            Console.Error.WriteLine($"brewclip: the Training service did not answer within {Patience.TotalSeconds:F0} s; is it running? (`brewclip status`) " +
                "It may still handle the request: `brewclip models list` shows what it did.");
            return (null, false);
        }
        catch (Exception e) when (e is RabbitMqConnectionException or RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
            Console.Error.WriteLine($"brewclip: cannot reach RabbitMQ at {rabbitMq.Host}:{rabbitMq.Port}: {e.GetBaseException().Message}");
            return (null, true);
        }
    }
}
