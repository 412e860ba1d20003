using BrewClip.Contracts;
using BrewClip.Hosting.Options;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Bus;

public static class BusRegistration
{
    /// <summary>
    /// MassTransit over RabbitMQ with the project's defaults: durable kebab-case queues, publisher confirms,
    /// bounded prefetch and concurrency, exponential retry and then the endpoint's <c>_error</c> queue.
    /// <paramref name="configureConsumers"/> adds a service's consumers. Every queue is named
    /// RabbitMq:QueuePrefix + <paramref name="owner"/> + the consumer's name ("image-embedding-model-promoted"), so two
    /// services consuming the same event each get it on a queue of their own instead of sharing one; each message's
    /// exchange carries the prefix too (<see cref="PrefixedEntityNames"/>).
    /// </summary>
    public static IServiceCollection AddBrewClipBus(
        this IServiceCollection services,
        RabbitMqOptions rabbitMq,
        ServiceOptions service,
        string owner,
        Action<IBusRegistrationConfigurator>? configureConsumers = null)
    {
        services.AddSingleton<MessageCounts>();
        services.AddReceiveObserver(provider => provider.GetRequiredService<MessageCounts>());
        services.AddPublishObserver(provider => provider.GetRequiredService<MessageCounts>());
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<MessageCounts>());
        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(QueuePrefixFor(rabbitMq.QueuePrefix, owner), includeNamespace: false));
            // No phoning home unless the operator asks for it.
            bus.ConfigureUsageTelemetryOptions(telemetry => telemetry.Enabled = rabbitMq.UsageTelemetry);
            configureConsumers?.Invoke(bus);
            if (rabbitMq.QuorumQueues)
            {
                // Every consumer's durable queue; the bus's own temporary queue stays classic (a quorum queue cannot go with its connection).
                bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    {
                        rabbit.SetQuorumQueue();
                    }
                });
            }
            bus.UsingRabbitMq((context, transport) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                transport.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                    host.PublisherConfirmation = true;
                });
                if (options.QueuePrefix.Length > 0)
                {
                    transport.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNames(transport.MessageTopology.EntityNameFormatter, options.QueuePrefix));
                }
                if (options.QuorumQueues)
                {
                    // The error and dead-letter queues behind the receive queues (made quorum queues above).
                    transport.SendTopology.ConfigureErrorSettings = settings => settings.SetQueueArgument("x-queue-type", "quorum");
                    transport.SendTopology.ConfigureDeadLetterSettings = settings => settings.SetQueueArgument("x-queue-type", "quorum");
                }
                transport.PrefetchCount = options.PrefetchCount;
                transport.ConcurrentMessageLimit = options.ConcurrencyLimit;
                transport.UseMessageRetry(retry => retry.Exponential(
                    options.RetryLimit,
                    TimeSpan.FromMilliseconds(options.RetryMinIntervalMs),
                    TimeSpan.FromMilliseconds(options.RetryMaxIntervalMs),
                    TimeSpan.FromMilliseconds(options.RetryIntervalDeltaMs)));
                transport.ConfigureJsonSerializerOptions(json =>
                {
                    json.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
                    return json;
                });
                transport.ConfigureEndpoints(context);
            });
        });
        services.Configure<MassTransitHostOptions>(host =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromSeconds(rabbitMq.StartupTimeoutSeconds);
            host.StopTimeout = TimeSpan.FromSeconds(service.ShutdownTimeoutSeconds);
        });
        return services;
    }

    /// <summary>The owning service's part of its queue names: "brewclip-image-embedding" owns "image-embedding-...".</summary>
    public static string OwnerOf(string serviceName) => serviceName.StartsWith("brewclip-", StringComparison.Ordinal) ? serviceName["brewclip-".Length..] : serviceName;

    /// <summary>
    /// The queue a consumer of <paramref name="ownerService"/> reads, as this registration names it:
    /// QueueName("", "brewclip-transcription", "RecordingIngested") is "transcription-recording-ingested".
    /// </summary>
    public static string QueueName(string queuePrefix, string ownerService, string messageName)
        => QueuePrefixFor(queuePrefix, OwnerOf(ownerService)) + KebabCaseEndpointNameFormatter.Instance.SanitizeName(messageName);

    private static string QueuePrefixFor(string queuePrefix, string owner) => string.IsNullOrEmpty(owner) ? queuePrefix : $"{queuePrefix}{owner}-";
}
