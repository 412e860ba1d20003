using System.Collections.Concurrent;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Subscribes a temporary (auto-delete) queue on the test broker to the messages Ingest publishes (on the exchanges
/// of the test's queue prefix) and
/// keeps every one received, so a test can check what was published and how often.
/// </summary>
internal sealed class MessageRecorder : IAsyncDisposable
{
    private readonly IHost _host;

    private MessageRecorder(IHost host, Log log)
    {
        _host = host;
        Messages = log;
    }

    public Log Messages { get; }

    /// <summary>How many of each kind it has received, for <see cref="Settling.FlowAsync"/>.</summary>
    public IReadOnlyList<(string Message, Func<long> Received)> Observers =>
    [
        (MessageCounts.MessageName(typeof(RecordingIngested)), () => Messages.Recordings.Count),
        (MessageCounts.MessageName(typeof(ImageIngested)), () => Messages.Images.Count),
    ];

    /// <summary>A recorder of what services run with <paramref name="settings"/> publish (their RabbitMq:QueuePrefix names the exchanges).</summary>
    public static async Task<MessageRecorder> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var prefix = settings.GetValueOrDefault("BREWCLIP__RabbitMq__QueuePrefix", "");
        var endpoint = TestSettings.RabbitMq;
        var log = new Log();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(log);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<Consumer>();
            bus.UsingRabbitMq((context, transport) =>
            {
                transport.Host(endpoint.Host, (ushort)endpoint.Port, endpoint.VirtualHost, host =>
                {
                    host.Username(endpoint.Username);
                    host.Password(endpoint.Password);
                });
                if (prefix.Length > 0)
                {
                    transport.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNames(transport.MessageTopology.EntityNameFormatter, prefix));
                }
                transport.ConfigureJsonSerializerOptions(json =>
                {
                    json.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
                    return json;
                });
                transport.ReceiveEndpoint("test-recorder-" + Guid.NewGuid().ToString("N")[..8], receive =>
                {
                    receive.AutoDelete = true;
                    receive.Durable = false;
                    receive.ConfigureConsumer<Consumer>(context);
                });
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(host => host.WaitUntilStarted = true);
        var host = builder.Build();
        await host.StartAsync();
        return new MessageRecorder(host, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    internal sealed class Log
    {
        public ConcurrentQueue<RecordingIngested> Recordings { get; } = new();

        public ConcurrentQueue<ImageIngested> Images { get; } = new();
    }

    private sealed class Consumer(Log log) : IConsumer<RecordingIngested>, IConsumer<ImageIngested>
    {
        public Task Consume(ConsumeContext<RecordingIngested> context)
        {
            log.Recordings.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<ImageIngested> context)
        {
            log.Images.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// Tests that count the messages on the shared test broker run alone: other test classes publish the
/// same message types, which a recorder's queue would otherwise receive too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerObservers
{
    public const string Name = "broker observers";
}
