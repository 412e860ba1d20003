using System.Collections.Concurrent;
using System.Diagnostics;
using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Tests;

/// <summary>MassTransit's usage report goes to its authors' servers; a service sends it only when the operator turns it on.</summary>
public sealed class UsageTelemetryTests
{
    [Fact]
    public async Task A_service_bus_sends_no_usage_report_while_it_runs_or_when_it_stops()
    {
        var requests = new ConcurrentQueue<string>();
        using var watch = DiagnosticListener.AllListeners.Subscribe(new OutgoingHttpRecorder(requests));
        var host = await BusTestHost.StartAsync(BusTestHost.Options(), _ => { },
            // As eager as MassTransit can be: report at once, and again on shutdown.
            services => services.Configure<UsageTelemetryOptions>(o =>
            {
                o.ReportDelay = TimeSpan.Zero;
                o.ReportOnShutdown = true;
            }));
        Assert.False(host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
        await host.DisposeAsync();
        Assert.Empty(requests);

        // The recorder does see this process's requests: one to a closed loopback port is recorded.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetAsync("http://127.0.0.1:9/usage-telemetry-probe"));
        Assert.Contains(requests, r => r.Contains("127.0.0.1:9/usage-telemetry-probe", StringComparison.Ordinal));
    }

    [Fact]
    public void The_report_is_on_only_when_the_option_says_so()
    {
        foreach (var on in new[] { false, true })
        {
            var options = new RabbitMqOptions { UsageTelemetry = on };
            var services = new ServiceCollection();
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
            services.AddBrewClipBus(options, new ServiceOptions(), owner: "telemetry-test");
            using var provider = services.BuildServiceProvider();
            Assert.Equal(on, provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
        }
    }

    /// <summary>Records every HTTP request this process starts (HttpClient's diagnostic events), whoever makes it.</summary>
    private sealed class OutgoingHttpRecorder(ConcurrentQueue<string> requests) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "HttpHandlerDiagnosticListener")
            {
                listener.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key is "System.Net.Http.HttpRequestOut.Start" or "System.Net.Http.Request")
            {
                requests.Enqueue(value.Value?.ToString() ?? value.Key);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
