using BrewClip.Storage.Migrations;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

public sealed class CliTests
{
    [Fact]
    public async Task Db_migrate_applies_the_schema_and_a_second_run_changes_nothing()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var settings = StackSettings.For(db, ServiceProcess.FreePort());

        await using var status = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "db", "status");
        Assert.Equal(3, status.ExitCode);
        Assert.Contains("pending  0001_initial.sql", status.Stdout, StringComparison.Ordinal);

        await using var first = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "db", "migrate");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("applied 0001_initial.sql", first.Stdout, StringComparison.Ordinal);

        await using var second = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "db", "migrate");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"schema is current (version {MigrationCatalog.LatestVersion})", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_needs_the_database_says_in_one_line_when_it_cannot_reach_it_or_the_schema_is_behind()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var settings = StackSettings.For(db, ServiceProcess.FreePort());

        // The schema is not applied: the relation is missing, and the way out is named.
        await using var behind = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "training", "status");
        Assert.Equal(1, behind.ExitCode);
        Assert.Contains("brewclip: Postgres refused: relation \"brewclip.training_runs\" does not exist", behind.Stderr, StringComparison.Ordinal);
        Assert.Contains("run `brewclip db migrate`", behind.Stderr, StringComparison.Ordinal);

        // Nothing listens: no stack trace, the setting to check is named.
        settings["BREWCLIP__Postgres__ConnectionString"] = $"Host=127.0.0.1;Port={ServiceProcess.FreePort()};Username=nobody;Password=x;Database=none;Timeout=3";
        await using var away = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "retrain", "--cancel");
        Assert.Equal(1, away.ExitCode);
        Assert.Contains("brewclip: cannot reach Postgres:", away.Stderr, StringComparison.Ordinal);
        Assert.Contains("BREWCLIP__Postgres__ConnectionString", away.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", away.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_reports_a_healthy_stack_every_service_and_the_index_and_names_a_service_that_is_down()
    {
        await using var db = await TestDatabase.CreateAsync();
        var port = ServiceProcess.FreePort();
        await using var training = ServiceProcess.Start("BrewClip.Training", StackSettings.For(db, port));
        Assert.True(await training.WaitForReadyAsync(port) is not null, training.ToString());

        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__Cli__Services__Training"] = $"http://127.0.0.1:{port}";
        await using var status = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("postgres  ok", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("rabbitmq  ok", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("model     version 0", status.Stdout, StringComparison.Ordinal);
        // Nothing indexed: said in a line, not as an empty table.
        Assert.Contains("index     empty: nothing is indexed yet", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("kind       stage", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"service   Training           ready      http://127.0.0.1:{port}/", status.Stdout, StringComparison.Ordinal);

        // A service that does not answer makes the stack unhealthy, and is named.
        var nobody = ServiceProcess.FreePort();
        settings["BREWCLIP__Cli__Services__Ingest"] = $"http://127.0.0.1:{nobody}";
        await using var down = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "status");
        Assert.True(down.ExitCode == 3, down.ToString());
        Assert.Contains($"service   Ingest             down       http://127.0.0.1:{nobody}/: Connection refused", down.Stdout, StringComparison.Ordinal);
        Assert.Contains("services  1 of 2 not ready: Ingest", down.Stdout, StringComparison.Ordinal);

        settings["BREWCLIP__Cli__Services__Ingest"] = "not a url";
        await using var invalid = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "status");
        Assert.True(invalid.ExitCode == 78, invalid.ToString());
        Assert.Contains("Cli:Services:Ingest (BREWCLIP__Cli__Services__Ingest) must be an http(s) URL", invalid.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_fails_when_the_broker_is_unreachable()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__RabbitMq__Port"] = ServiceProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var status = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "status");

        Assert.Equal(3, status.ExitCode);
        Assert.Contains("rabbitmq  unavailable", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_pull_checks_every_name_before_downloading_and_reports_an_unreachable_mirror()
    {
        var store = Directory.CreateTempSubdirectory("brewclip-cli-models-").FullName;
        try
        {
            await using var unknown = await ServiceProcess.RunAsync("BrewClip.Cli", new Dictionary<string, string>(),
                "models", "pull", "clip-vit-base-patch32", "no-such-model", "--models", store);
            Assert.Equal(78, unknown.ExitCode);
            Assert.Contains("no model named 'no-such-model'; known: clip-vit-base-patch32, clip-vit-base-patch32-int8, clip-vit-base-patch16", unknown.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(store));

            var closed = $"http://127.0.0.1:{ServiceProcess.FreePort()}/";
            await using var unreachable = await ServiceProcess.RunAsync("BrewClip.Cli", new Dictionary<string, string>(),
                "models", "pull", "whisper-base", "clip-vit-base-patch32", "--models", store, "--base-url", closed);
            Assert.Equal(1, unreachable.ExitCode);
            // Each model is tried and reported, and the files are listed for filling the store by hand.
            Assert.Contains("brewclip: whisper-base:", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains("brewclip: clip-vit-base-patch32:", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains("2 of 2 models were not pulled (whisper-base, clip-vit-base-patch32)", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{Path.Combine(store, "clip-vit-base-patch32", "vision_model.onnx")}  from http", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{Path.Combine(store, "whisper-base", "encoder_model.onnx")}  from http", unreachable.Stderr, StringComparison.Ordinal);
            // And the way to run with no model host at all: the stand-in recipe, for each model.
            Assert.Contains($"brewclip: whisper-base: Offline, a stand-in with random weights", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains($"`/usr/bin/python3 tests/fixtures/make_whisper_fixtures.py --full {Path.Combine(store, "whisper-base")} --model whisper-base`", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Contains($"`/usr/bin/python3 tests/fixtures/make_clip_fixtures.py --full {Path.Combine(store, "clip-vit-base-patch32")} --model clip-vit-base-patch32`", unreachable.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(store, "*.onnx", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public async Task Missing_connection_string_is_a_configuration_error()
    {
        await using var migrate = await ServiceProcess.RunAsync("BrewClip.Cli", new Dictionary<string, string>(), "db", "migrate");
        Assert.Equal(78, migrate.ExitCode);
        Assert.Contains("Postgres:ConnectionString (BREWCLIP__Postgres__ConnectionString)", migrate.Stderr, StringComparison.Ordinal);
    }
}
