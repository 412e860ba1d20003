using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrewClip.IntegrationTests;

/// <summary>A bus on the test broker that only publishes, as Ingest or Training would.</summary>
internal sealed class TestPublisher : IAsyncDisposable
{
    private readonly IHost _host;

    private TestPublisher(IHost host) => _host = host;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>What this publisher has published, for <see cref="Settling"/>.</summary>
    public MessageCounts Counts => _host.Services.GetRequiredService<MessageCounts>();

    /// <summary>A publisher for services run with <paramref name="settings"/> (their RabbitMq:QueuePrefix names the exchanges).</summary>
    public static async Task<TestPublisher> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var options = TestSettings.RabbitMq.Options(settings.GetValueOrDefault("BREWCLIP__RabbitMq__QueuePrefix", ""));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddBrewClipBus(options, new ServiceOptions(), owner: "test-publisher");
        var host = builder.Build();
        await host.StartAsync();
        return new TestPublisher(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
