using System.Collections.Concurrent;
using MassTransit;

namespace BrewClip.Hosting.Bus;

/// <summary>
/// What this process has published (by message name) and finished handling (by queue) since it started,
/// served at <c>/status/messages</c>. A message is handled once its delivery is over: consumed (after any
/// retries) or moved to the error queue. Several processes' counts together say when a flow has settled:
/// every message published has been handled by every queue bound to it. Each queue this process consumes is
/// listed from the moment its endpoint is ready, with nothing handled yet.
/// </summary>
public sealed class MessageCounts : IReceiveObserver, IPublishObserver, IReceiveEndpointObserver
{
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, QueueCount> _queues = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<Type, string> Names = new();

    /// <summary>The name a message goes by in queue names: "recording-ingested", and "recording-ingested-fault" for its fault.</summary>
    public static string MessageName(Type messageType) => Names.GetOrAdd(messageType, NameOf);

    private static string NameOf(Type messageType)
    {
        // MassTransit publishes a fault as a class implementing Fault<T>.
        var fault = messageType.IsGenericType && messageType.GetGenericTypeDefinition() == typeof(Fault<>)
            ? messageType
            : messageType.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Fault<>));
        if (fault is not null)
        {
            return MessageName(fault.GetGenericArguments()[0]) + "-fault";
        }
        return KebabCaseEndpointNameFormatter.Instance.SanitizeName(messageType.Name);
    }

    public MessageCountsSnapshot Snapshot() => new(
        new SortedDictionary<string, long>(_published, StringComparer.Ordinal),
        new SortedDictionary<string, QueueCountSnapshot>(
            _queues.ToDictionary(q => q.Key, q => new QueueCountSnapshot(Interlocked.Read(ref q.Value.Handled), Interlocked.Read(ref q.Value.Faulted))),
            StringComparer.Ordinal));

    Task IReceiveObserver.PreReceive(ReceiveContext context) => Task.CompletedTask;

    Task IReceiveObserver.PostReceive(ReceiveContext context)
    {
        Interlocked.Increment(ref QueueOf(context).Handled);
        return Task.CompletedTask;
    }

    Task IReceiveObserver.PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) => Task.CompletedTask;

    Task IReceiveObserver.ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) => Task.CompletedTask;

    Task IReceiveObserver.ReceiveFault(ReceiveContext context, Exception exception)
    {
        var queue = QueueOf(context);
        Interlocked.Increment(ref queue.Handled);
        Interlocked.Increment(ref queue.Faulted);
        return Task.CompletedTask;
    }

    Task IPublishObserver.PrePublish<T>(PublishContext<T> context) => Task.CompletedTask;

    Task IPublishObserver.PostPublish<T>(PublishContext<T> context)
    {
        _published.AddOrUpdate(MessageName(context.Message.GetType()), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    Task IPublishObserver.PublishFault<T>(PublishContext<T> context, Exception exception) => Task.CompletedTask;

    Task IReceiveEndpointObserver.Ready(ReceiveEndpointReady ready)
    {
        QueueOf(ready.InputAddress);
        return Task.CompletedTask;
    }

    Task IReceiveEndpointObserver.Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    Task IReceiveEndpointObserver.Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    Task IReceiveEndpointObserver.Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private QueueCount QueueOf(ReceiveContext context) => QueueOf(context.InputAddress);

    private QueueCount QueueOf(Uri inputAddress)
        => _queues.GetOrAdd(inputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "", _ => new QueueCount());

    private sealed class QueueCount
    {
        public long Handled;
        public long Faulted;
    }
}
