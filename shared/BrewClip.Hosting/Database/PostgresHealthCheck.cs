using BrewClip.Storage.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace BrewClip.Hosting.Database;

/// <summary>Ready when Postgres answers and its schema is the version this build needs.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select coalesce(max(version), 0) from brewclip.schema_migrations");
            var version = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return version >= MigrationCatalog.LatestVersion
                ? HealthCheckResult.Healthy($"schema version {version}")
                : HealthCheckResult.Unhealthy($"schema version {version}, this build needs {MigrationCatalog.LatestVersion}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Postgres is unreachable", e);
        }
    }
}
