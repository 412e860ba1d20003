using System.CommandLine;
using BrewClip.Hosting.Options;
using BrewClip.Storage;
using BrewClip.Storage.Migrations;
using Npgsql;

namespace BrewClip.Cli;

/// <summary><c>brewclip db migrate</c> and <c>brewclip db status</c>.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Apply pending migrations (each once, in order, under an advisory lock).");
        migrate.SetAction((_, cancellationToken) => RunAsync(MigrateAsync, cancellationToken));
        var status = new Command("status", "Show which migrations are applied and which are pending.");
        status.SetAction((_, cancellationToken) => RunAsync(StatusAsync, cancellationToken));
        return new Command("db", "The BrewClip database schema.") { migrate, status };
    }

    private static async Task<int> RunAsync(Func<SchemaMigrator, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        try
        {
            return await action(new SchemaMigrator(dataSource), cancellationToken);
        }
        catch (MigrationException e)
        {
            Console.Error.WriteLine("brewclip: " + e.Message);
            return ExitCodes.Failed;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"brewclip: cannot use Postgres: {e.Message}. Check Postgres:ConnectionString (BREWCLIP__Postgres__ConnectionString).");
            return ExitCodes.Failed;
        }
    }

    private static async Task<int> MigrateAsync(SchemaMigrator migrator, CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        foreach (var migration in applied)
        {
            Console.WriteLine($"applied {migration.FileName}");
        }
        Console.WriteLine(applied.Count == 0
            ? $"schema is current (version {MigrationCatalog.LatestVersion})"
            : $"schema is now at version {applied[^1].Version}");
        return ExitCodes.Ok;
    }

    private static async Task<int> StatusAsync(SchemaMigrator migrator, CancellationToken cancellationToken)
    {
        var state = await migrator.GetStateAsync(cancellationToken);
        foreach (var migration in state.Applied)
        {
            Console.WriteLine($"applied  {migration.FileName}  {migration.AppliedAt:u}");
        }
        foreach (var migration in state.Pending)
        {
            Console.WriteLine($"pending  {migration.FileName}");
        }
        foreach (var migration in state.Unknown)
        {
            Console.WriteLine($"unknown  {migration.FileName}  (applied by a newer build)");
        }
        Console.WriteLine(state.IsCurrent
            ? $"schema is current (version {state.AppliedVersion})"
            : $"schema is at version {state.AppliedVersion}; run `brewclip db migrate` to reach {MigrationCatalog.LatestVersion}");
        return state.IsCurrent ? ExitCodes.Ok : ExitCodes.Unhealthy;
    }
}
