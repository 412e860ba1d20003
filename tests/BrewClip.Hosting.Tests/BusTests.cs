using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using BrewClip.Contracts;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace BrewClip.Hosting.Tests;

public sealed class BusTests
{
    private static readonly TimeSpan Patience = Eventually.Patience;

    [Fact]
    public async Task An_event_consumed_by_two_services_reaches_each_on_a_queue_named_for_its_service()
    {
        // Two services with consumers of one event and one class name (as both embedding services have a
        // ModelPromotedConsumer): each must get every message, not take turns on one shared queue.
        var options = BusTestHost.Options();
        var first = new ConcurrentQueue<Guid>();
        var second = new ConcurrentQueue<Guid>();
        await using var imageSide = await BusTestHost.StartAsync("image-embedding", options,
            bus => bus.AddConsumer<SameNamedProbeConsumer>(), services => services.AddSingleton(first), typeof(SameNamedProbeConsumer));
        await using var audioSide = await BusTestHost.StartAsync("acoustic-embedding", options,
            bus => bus.AddConsumer<SameNamedProbeConsumer>(), services => services.AddSingleton(second), typeof(SameNamedProbeConsumer));
        Assert.Equal(options.QueuePrefix + "image-embedding-same-named-probe", imageSide.EndpointName());
        Assert.Equal(options.QueuePrefix + "acoustic-embedding-same-named-probe", audioSide.EndpointName());

        var sent = Enumerable.Range(0, 4).Select(_ => new RetrainRequested(Guid.NewGuid(), "bus test", Force: false)).ToList();
        foreach (var message in sent)
        {
            await imageSide.Bus.Publish(message);
        }
        await Eventually.UntilAsync(() => Task.FromResult(first.Count >= sent.Count && second.Count >= sent.Count), "both services' queues to receive every message");
        Assert.Equal(sent.Select(m => m.RequestId).Order(), first.Order());
        Assert.Equal(sent.Select(m => m.RequestId).Order(), second.Order());
    }

    [Fact]
    public async Task Published_message_reaches_its_consumer_through_rabbitmq()
    {
        var received = new TaskCompletionSource<RetrainRequested>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await BusTestHost.StartAsync(
            BusTestHost.Options(),
            bus => bus.AddConsumer<RetrainProbeConsumer>(),
            services => services.AddSingleton(received),
            typeof(RetrainProbeConsumer));

        var sent = new RetrainRequested(Guid.NewGuid(), "bus test", Force: true);
        await host.Bus.Publish(sent);

        Assert.Equal(sent, await received.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task Consumer_that_keeps_failing_is_retried_with_backoff_then_lands_in_the_error_queue()
    {
        var attempts = new ConcurrentQueue<long>();
        var options = BusTestHost.Options(o =>
        {
            o.RetryLimit = 3;
            o.RetryMinIntervalMs = 100;
            o.RetryIntervalDeltaMs = 400;
            o.RetryMaxIntervalMs = 5_000;
        });
        await using var host = await BusTestHost.StartAsync(
            options,
            bus => bus.AddConsumer<FailingProbeConsumer>(),
            services => services.AddSingleton(attempts),
            typeof(FailingProbeConsumer));

        var probe = new FailingProbe(Guid.NewGuid());
        await host.Bus.Publish(probe);

        await using var connection = await host.ConnectAsync();
        var errorQueue = host.EndpointName() + "_error";
        var deadline = Stopwatch.StartNew();
        RabbitMQ.Client.BasicGetResult? faulted = null;
        while (faulted is null && deadline.Elapsed < Patience)
        {
            await Task.Delay(100);
            // The error queue is declared on the first fault; until then a get fails and closes its channel.
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                faulted = await channel.BasicGetAsync(errorQueue, autoAck: true);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
            }
        }

        Assert.NotNull(faulted);
        Assert.Contains(probe.Id.ToString(), Encoding.UTF8.GetString(faulted.Body.Span), StringComparison.Ordinal);
        var reason = Encoding.UTF8.GetString((byte[])faulted.BasicProperties.Headers!["MT-Fault-Message"]!);
        Assert.Contains(FailingProbeConsumer.Reason, reason, StringComparison.Ordinal);

        // One delivery plus RetryLimit retries, none sooner than the minimum interval, and the waits growing: MassTransit
        // 8.5 jitters each interval widely (two neighbours can swap), so the last is compared with the first.
        var times = attempts.ToArray();
        Assert.Equal(options.RetryLimit + 1, times.Length);
        var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).ToArray();
        Assert.All(gaps, gap => Assert.True(gap >= TimeSpan.FromMilliseconds(options.RetryMinIntervalMs * 0.9), $"a retry came after {gap}"));
        Assert.True(gaps[^1] > gaps[0], $"the last retry waited {gaps[^1]}, not longer than the first ({gaps[0]})");
    }

    public sealed record FailingProbe(Guid Id);

    public sealed class RetrainProbeConsumer(TaskCompletionSource<RetrainRequested> received) : IConsumer<RetrainRequested>
    {
        public Task Consume(ConsumeContext<RetrainRequested> context)
        {
            received.TrySetResult(context.Message);
            return Task.CompletedTask;
        }
    }

    public sealed class SameNamedProbeConsumer(ConcurrentQueue<Guid> received) : IConsumer<RetrainRequested>
    {
        public Task Consume(ConsumeContext<RetrainRequested> context)
        {
            received.Enqueue(context.Message.RequestId);
            return Task.CompletedTask;
        }
    }

    public sealed class FailingProbeConsumer(ConcurrentQueue<long> attempts) : IConsumer<FailingProbe>
    {
        public const string Reason = "the probe always fails";

        public Task Consume(ConsumeContext<FailingProbe> context)
        {
            attempts.Enqueue(Stopwatch.GetTimestamp());
            throw new InvalidOperationException(Reason);
        }
    }
}
