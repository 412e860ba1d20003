using BrewClip.Hosting.Options;
using BrewClip.Storage.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Hosting.Database;

/// <summary>
/// Runs before the bus starts: waits for Postgres, applies migrations when configured, and refuses to
/// start a service against a schema older than this build.
/// </summary>
internal sealed class SchemaGate(
    NpgsqlDataSource dataSource,
    IOptions<PostgresOptions> options,
    ILogger<SchemaGate> logger,
    ILogger<SchemaMigrator> migratorLogger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await WaitForPostgresAsync(cancellationToken).ConfigureAwait(false);
        var migrator = new SchemaMigrator(dataSource, migratorLogger);
        if (options.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        var state = await migrator.GetStateAsync(cancellationToken).ConfigureAwait(false);
        if (!state.IsCurrent)
        {
            throw new SchemaOutOfDateException(
                $"The database schema is at version {state.AppliedVersion}, and this build needs version {MigrationCatalog.LatestVersion} " +
                $"(pending: {string.Join(", ", state.Pending.Select(m => m.FileName))}). " +
                "Run `brewclip db migrate`, or set Postgres:MigrateOnStart=true (BREWCLIP__Postgres__MigrateOnStart=true).");
        }
        logger.LogInformation("Database schema is at version {Version}", state.AppliedVersion);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WaitForPostgresAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.StartupTimeoutSeconds);
        var delay = TimeSpan.FromMilliseconds(250);
        var target = DescribeTarget();
        while (true)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("Waiting for Postgres at {Target}: {Error}", target, e.Message);
            }
            catch (NpgsqlException e)
            {
                throw new PostgresUnavailableException(
                    $"Cannot use Postgres at {target}: {e.Message}. Check Postgres:ConnectionString (BREWCLIP__Postgres__ConnectionString)" +
                    (e.IsTransient ? $"; gave up after Postgres:StartupTimeoutSeconds={options.Value.StartupTimeoutSeconds}." : "."), e);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    private string DescribeTarget()
    {
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
