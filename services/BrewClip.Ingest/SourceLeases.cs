using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Ingest;

/// <summary>
/// One reader per source across Ingest instances: an instance reads a source only while it holds the source's
/// Postgres advisory lock, taken on a connection it keeps open for as long as it reads. The others wait, trying again
/// every <see cref="IngestOptions.LeaseCheckIntervalMs"/>, and one takes over when the holder stops or dies (its
/// connection closes and Postgres releases the lock). The holder checks its connection as often; when the check fails
/// (Postgres restarted, the network dropped) it stops reading, since another instance may now hold the source, and
/// competes for it again.
/// </summary>
public sealed class SourceLeases(NpgsqlDataSource dataSource, IOptions<IngestOptions> options, ILogger<SourceLeases> logger)
{
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(options.Value.LeaseCheckIntervalMs);

    /// <summary>The advisory lock key of a source: 64 bits of a hash of its name, apart from every other lock's.</summary>
    public static long KeyOf(string source)
        => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("brewclip-ingest-source:" + source)), 0);

    /// <summary>
    /// Runs <paramref name="read"/> whenever this instance holds <paramref name="source"/>, until
    /// <paramref name="stoppingToken"/> fires; <paramref name="read"/>'s token fires when the lease is lost.
    /// </summary>
    public async Task ReadWhileHeldAsync(string source, Func<CancellationToken, Task> read, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var lease = await AcquireAsync(source, stoppingToken).ConfigureAwait(false);
            using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
            try
            {
                await read(held.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
            {
                // Lost while reading: compete for it again.
            }
        }
    }

    private async Task<Lease> AcquireAsync(string source, CancellationToken cancellationToken)
    {
        var key = KeyOf(source);
        var waited = false;
        while (true)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("select pg_try_advisory_lock($1)", connection);
                command.Parameters.Add(new() { Value = key });
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    if (waited)
                    {
                        logger.LogInformation("This instance now reads source {Source}: the instance that read it stopped", source);
                    }
                    var lease = new Lease(connection, key, source, _interval, logger);
                    connection = null;
                    return lease;
                }
                if (!waited)
                {
                    logger.LogInformation("Source {Source} is read by another Ingest instance; this one takes over if that one stops", source);
                    waited = true;
                }
            }
            catch (NpgsqlException e)
            {
                logger.LogWarning("Could not ask Postgres who reads source {Source}: {Reason}; trying again in {Interval}", source, e.Message, _interval);
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
            await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A held lock: its connection is checked every interval, and <see cref="Lost"/> fires when a check fails.</summary>
    private sealed class Lease : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly long _key;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _checks;

        public Lease(NpgsqlConnection connection, long key, string source, TimeSpan interval, ILogger logger)
        {
            _connection = connection;
            _key = key;
            _checks = CheckAsync(source, interval, logger);
        }

        public CancellationToken Lost => _lost.Token;

        private async Task CheckAsync(string source, TimeSpan interval, ILogger logger)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                    await using var command = new NpgsqlCommand("select 1", _connection) { CommandTimeout = Math.Max(1, (int)interval.TotalSeconds * 2) };
                    await command.ExecuteScalarAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Released.
            }
            catch (Exception e)
            {
                logger.LogWarning("Lost the lease on source {Source} ({Reason}): reading it stops, and this instance competes for it again", source, e.Message);
                await _lost.CancelAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _checks.ConfigureAwait(false);
            if (!_lost.IsCancellationRequested)
            {
                try
                {
                    await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", _connection);
                    unlock.Parameters.Add(new() { Value = _key });
                    await unlock.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (NpgsqlException)
                {
                    // The connection is gone, and the lock with it.
                }
            }
            await _connection.DisposeAsync().ConfigureAwait(false);
            _lost.Dispose();
            _stop.Dispose();
        }
    }
}
