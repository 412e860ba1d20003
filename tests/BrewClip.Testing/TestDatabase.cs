using BrewClip.Storage;
using BrewClip.Storage.Migrations;
using Npgsql;

namespace BrewClip.Testing;

/// <summary>A database of its own for one test, created on the test Postgres and dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = BrewClipDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates an empty database, migrated to this build's schema unless <paramref name="migrate"/> is false.</summary>
    /// <summary>The first column of the first row, cast to <typeparamref name="T"/>.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The first column of the first row, a <c>vector</c> or <c>halfvec</c>, as floats.</summary>
    public async Task<float[]> VectorAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return BrewClip.Storage.Vectors.VectorValues.ToFloats((await command.ExecuteScalarAsync())!);
    }

    /// <summary>The first column of every row, converted to <typeparamref name="T"/>.</summary>
    public async Task<List<T>> ColumnAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add((T)Convert.ChangeType(reader.GetValue(0), typeof(T), System.Globalization.CultureInfo.InvariantCulture));
        }
        return values;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var name = "brewclip_t_" + Guid.NewGuid().ToString("N")[..16];
        await AdminAsync($"create database {name}");
        var builder = new NpgsqlConnectionStringBuilder(TestSettings.PostgresAdminConnectionString) { Database = name, Pooling = true };
        var database = new TestDatabase(name, builder.ConnectionString);
        if (migrate)
        {
            await new SchemaMigrator(database.DataSource).MigrateAsync();
        }
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        // FORCE cannot end an autovacuum worker on the new tables (it is not our role's backend: 42501). A plain
        // DROP DATABASE signals autovacuum workers itself, once our own connections are gone; the database can be
        // in use for a moment more (55006).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AdminAsync(attempt == 1
                    ? $"drop database if exists {Name} with (force)"
                    : $"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{Name}' and usename = current_user and pid <> pg_backend_pid()");
                if (attempt > 1)
                {
                    await AdminAsync($"drop database if exists {Name}");
                }
                return;
            }
            catch (PostgresException e) when (e.SqlState is "42501" or "55006" && attempt < 40)
            {
                await Task.Delay(250);
            }
        }
    }

    private static async Task AdminAsync(string sql)
    {
        try
        {
            await using var connection = new NpgsqlConnection(TestSettings.PostgresAdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new InvalidOperationException(
                "The test Postgres is not reachable. Start the stack with `sudo scripts/infra.sh up` " +
                $"(or set BREWCLIP_TEST_POSTGRES): {e.Message}", e);
        }
    }
}
