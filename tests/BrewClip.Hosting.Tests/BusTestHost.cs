using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace BrewClip.Hosting.Tests;

/// <summary>A host running the project's bus setup against the test RabbitMQ, with queues of its own that it deletes at the end.</summary>
internal sealed class BusTestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly RabbitMqOptions _options;
    private readonly List<string> _endpoints;

    private BusTestHost(IHost host, RabbitMqOptions options, List<string> endpoints)
    {
        _host = host;
        _options = options;
        _endpoints = endpoints;
    }

    public IServiceProvider Services => _host.Services;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static RabbitMqOptions Options(Action<RabbitMqOptions>? change = null)
    {
        var options = TestSettings.RabbitMq.Options("t" + Guid.NewGuid().ToString("N")[..8] + "-");
        options.StartupTimeoutSeconds = 30;
        change?.Invoke(options);
        return options;
    }

    public static Task<BusTestHost> StartAsync(
        RabbitMqOptions options, Action<IBusRegistrationConfigurator> consumers, Action<IServiceCollection> services, params Type[] consumerTypes)
        => StartAsync("bus-test", options, consumers, services, consumerTypes);

    /// <summary>A host whose queues are owned by <paramref name="owner"/>, as a service's are.</summary>
    public static async Task<BusTestHost> StartAsync(string owner,
        RabbitMqOptions options, Action<IBusRegistrationConfigurator> consumers, Action<IServiceCollection> services, params Type[] consumerTypes)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services(builder.Services);
        builder.Services.AddBrewClipBus(options, new ServiceOptions(), owner, consumers);
        var host = builder.Build();
        var formatter = host.Services.GetRequiredService<IEndpointNameFormatter>();
        var endpoints = consumerTypes
            .Select(t => (string)typeof(IEndpointNameFormatter).GetMethod(nameof(IEndpointNameFormatter.Consumer))!
                .MakeGenericMethod(t).Invoke(formatter, null)!)
            .ToList();
        await host.StartAsync();
        return new BusTestHost(host, options, endpoints);
    }

    public string EndpointName(int index = 0) => _endpoints[index];

    public async Task<IChannel> OpenChannelAsync(IConnection connection) => await connection.CreateChannelAsync();

    public async Task<IConnection> ConnectAsync() => await new ConnectionFactory
    {
        HostName = _options.Host,
        Port = _options.Port,
        VirtualHost = _options.VirtualHost,
        UserName = _options.Username,
        Password = _options.Password,
    }.CreateConnectionAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var name in _endpoints.SelectMany(e => new[] { e, e + "_error", e + "_skipped" }))
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }
}
