using System.CommandLine;
using System.Globalization;
using BrewClip.Hosting.Options;
using BrewClip.Storage;
using BrewClip.Storage.Migrations;
using Npgsql;
using RabbitMQ.Client;

namespace BrewClip.Cli;

/// <summary><c>brewclip status</c>: can the pipeline reach its database and broker, and how far is the index.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Check Postgres, the schema and RabbitMQ, and show the index by kind and stage.");
        command.SetAction((_, cancellationToken) => RunAsync(cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var configuration = CliSettings.Load();
        var postgres = CliSettings.TryBind<PostgresOptions>(configuration, PostgresOptions.Section);
        var rabbitMq = CliSettings.TryBind<RabbitMqOptions>(configuration, RabbitMqOptions.Section);
        if (postgres is null || rabbitMq is null)
        {
            return ExitCodes.Configuration;
        }

        var healthy = await CheckPostgresAsync(postgres, cancellationToken);
        healthy &= await CheckRabbitMqAsync(rabbitMq, cancellationToken);
        return healthy ? ExitCodes.Ok : ExitCodes.Unhealthy;
    }

    private static async Task<bool> CheckPostgresAsync(PostgresOptions options, CancellationToken cancellationToken)
    {
        await using var dataSource = BrewClipDataSource.Create(options.ConnectionString);
        try
        {
            var state = await new SchemaMigrator(dataSource).GetStateAsync(cancellationToken);
            if (!state.IsCurrent)
            {
                Console.WriteLine($"postgres  reachable, schema at version {state.AppliedVersion} of {MigrationCatalog.LatestVersion}: run `brewclip db migrate`");
                return false;
            }
            Console.WriteLine($"postgres  ok, schema version {state.AppliedVersion}");
            await PrintIndexAsync(dataSource, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or MigrationException)
        {
            Console.WriteLine($"postgres  unavailable: {e.Message}");
            return false;
        }
    }

    private static async Task PrintIndexAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using (var active = dataSource.CreateCommand("select version, description from brewclip.active_model"))
        await using (var reader = await active.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Console.WriteLine($"model     version {reader.GetInt32(0)}: {reader.GetString(1)}");
            }
        }
        await using var command = dataSource.CreateCommand(
            "select kind, stage, items, lag from brewclip.index_status order by kind, stage");
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        Console.WriteLine($"{"kind",-10} {"stage",-12} {"items",8}  lag");
        while (await rows.ReadAsync(cancellationToken))
        {
            var lag = rows.IsDBNull(3) ? "" : rows.GetFieldValue<TimeSpan>(3).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
            Console.WriteLine($"{rows.GetString(0),-10} {rows.GetString(1),-12} {rows.GetInt64(2),8}  {lag}");
        }
    }

    private static async Task<bool> CheckRabbitMqAsync(RabbitMqOptions options, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = options.Host,
            Port = options.Port,
            VirtualHost = options.VirtualHost,
            UserName = options.Username,
            Password = options.Password,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        try
        {
            await using var connection = await factory.CreateConnectionAsync("brewclip-status", cancellationToken);
            Console.WriteLine($"rabbitmq  ok, {options.Host}:{options.Port}{options.VirtualHost}");
            return true;
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
        {
            Console.WriteLine($"rabbitmq  unavailable at {options.Host}:{options.Port}: {e.GetBaseException().Message}");
            return false;
        }
    }
}
