using BrewClip.Hosting.Options;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace BrewClip.Ingest;

/// <summary>
/// How many messages wait, not yet delivered, in the queue a consumer service reads. The reconciler asks before it
/// re-publishes: while a queue has a backlog, an item at its ingested stage is most likely queued, not lost.
/// </summary>
public sealed class QueueBacklog(IOptions<RabbitMqOptions> options, ILogger<QueueBacklog> logger) : IAsyncDisposable
{
    private readonly RabbitMqOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    /// <summary>Messages ready in the queue; 0 when it does not exist (its service never started); null when the broker cannot be asked.</summary>
    public async Task<uint?> ReadyAsync(string queue, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                _connection?.Dispose();
                _connection = await new ConnectionFactory
                {
                    HostName = _options.Host,
                    Port = _options.Port,
                    VirtualHost = _options.VirtualHost,
                    UserName = _options.Username,
                    Password = _options.Password,
                    ClientProvidedName = "brewclip-ingest-reconciler",
                }.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            // A passive declare of a missing queue closes its channel, so each question gets its own.
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or IOException or AlreadyClosedException)
        {
            logger.LogWarning("Cannot ask RabbitMQ how many messages wait in {Queue}: {Reason}", queue, e.Message);
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        _gate.Dispose();
    }
}
