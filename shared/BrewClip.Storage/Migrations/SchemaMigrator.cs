using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BrewClip.Storage.Migrations;

/// <summary>
/// Applies <c>migrations/NNNN_*.sql</c> in order, each once and in its own transaction, under a Postgres
/// advisory lock so services starting together take turns. An applied file whose text changed is refused.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations, ILogger<SchemaMigrator>? logger = null)
{
    /// <summary>The advisory lock key every migrator takes ("BrewClip" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x4272_6577_436C_6970;

    private readonly ILogger _logger = logger ?? NullLogger<SchemaMigrator>.Instance;

    public SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator>? logger = null)
        : this(dataSource, MigrationCatalog.Embedded, logger)
    {
    }

    /// <summary>Applies what is pending; returns the migrations it applied (none when the schema was current).</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "select pg_advisory_lock($1)", AdvisoryLockKey, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureHistoryTableAsync(connection, cancellationToken).ConfigureAwait(false);
            var state = Compare(await ReadAppliedAsync(connection, cancellationToken).ConfigureAwait(false));
            foreach (var unknown in state.Unknown)
            {
                _logger.LogWarning("The database has migration {FileName} applied, which this build does not know; a newer build migrated it.", unknown.FileName);
            }

            var applied = new List<Migration>();
            foreach (var migration in state.Pending)
            {
                await ApplyAsync(connection, migration, cancellationToken).ConfigureAwait(false);
                applied.Add(migration);
            }
            if (applied.Count > 0)
            {
                // New types (pgvector's, for one) must be visible to connections opened from now on.
                await connection.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);
            }
            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, "select pg_advisory_unlock($1)", AdvisoryLockKey, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Reads what is applied without changing anything; refuses an edited applied file as migrating would.</summary>
    public async Task<SchemaState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("select to_regclass('brewclip.schema_migrations') is not null", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return new SchemaState([], migrations, []);
            }
        }
        return Compare(await ReadAppliedAsync(connection, cancellationToken).ConfigureAwait(false));
    }

    private SchemaState Compare(IReadOnlyList<AppliedMigration> applied)
    {
        var byVersion = applied.ToDictionary(m => m.Version);
        foreach (var migration in migrations)
        {
            if (byVersion.TryGetValue(migration.Version, out var done) && done.Checksum != migration.Checksum)
            {
                throw new MigrationException(
                    $"Migration {migration.FileName} was applied on {done.AppliedAt:u} with checksum {done.Checksum[..12]}, " +
                    $"but the file now has checksum {migration.Checksum[..12]}. An applied migration must not change: " +
                    "restore the file and put the change in a new numbered migration.");
            }
        }
        var known = migrations.Select(m => m.Version).ToHashSet();
        return new SchemaState(
            applied,
            migrations.Where(m => !byVersion.ContainsKey(m.Version)).ToList(),
            applied.Where(m => !known.Contains(m.Version)).ToList());
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Applying migration {FileName}", migration.FileName);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var record = new NpgsqlCommand(
                "insert into brewclip.schema_migrations (version, file_name, checksum) values ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.Add(new() { Value = migration.Version });
                record.Parameters.Add(new() { Value = migration.FileName });
                record.Parameters.Add(new() { Value = migration.Checksum });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new MigrationException(
                $"Migration {migration.FileName} failed and was rolled back: {e.MessageText}" +
                (e.Position > 0 ? $" (at character {e.Position})" : ""), e);
        }
    }

    private static async Task EnsureHistoryTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            create schema if not exists brewclip;
            create table if not exists brewclip.schema_migrations (
                version     integer primary key,
                file_name   text not null,
                checksum    text not null,
                applied_at  timestamptz not null default now()
            );
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<AppliedMigration>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select version, file_name, checksum, applied_at from brewclip.schema_migrations order by version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var applied = new List<AppliedMigration>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied.Add(new AppliedMigration(reader.GetInt32(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = key });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
