using System.Diagnostics;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrewClip.IntegrationTests;

/// <summary>RabbitMq:QuorumQueues on the real broker: a service's queue and the error queue its faults go to are quorum queues.</summary>
public sealed class QuorumQueueTests
{
    [Fact]
    public async Task With_quorum_queues_a_consumers_queue_and_its_error_queue_are_quorum_queues()
    {
        var prefix = $"quorum-{Guid.NewGuid():N}"[..20] + "-";
        var options = TestSettings.RabbitMq.Options(prefix);
        options.QuorumQueues = true;
        options.RetryLimit = 0;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddBrewClipBus(options, new ServiceOptions(), owner: "quorum-test", bus => bus.AddConsumer<RefusingConsumer>());
        using var host = builder.Build();
        await host.StartAsync();
        var queue = BusRegistration.QueueName(prefix, "quorum-test", "Refusing");
        try
        {
            Assert.Equal("quorum", await RabbitMqManagement.TypeAsync(queue));

            await host.Services.GetRequiredService<IBus>().Publish(new ImageIngested(42));
            await Eventually.UntilAsync(async () => await RabbitMqManagement.MessagesAsync(queue + "_error") >= 1, $"the refused message to reach {queue}_error");
            Assert.Equal("quorum", await RabbitMqManagement.TypeAsync(queue + "_error"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Refuses every image, so its message faults to the error queue.</summary>
    private sealed class RefusingConsumer : IConsumer<ImageIngested>
    {
        public Task Consume(ConsumeContext<ImageIngested> context) => throw new InvalidOperationException($"image {context.Message.ImageId} refused");
    }
}
