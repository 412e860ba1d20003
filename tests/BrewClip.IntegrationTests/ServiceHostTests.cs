using System.Net;
using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>Every service host starts against the real stack, reports ready, and stops cleanly on SIGTERM.</summary>
public sealed class ServiceHostTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static TheoryData<string> Services => new()
    {
        "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding", "BrewClip.Training",
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Service_starts_reports_ready_and_stops_cleanly_on_sigterm(string project)
    {
        await using var db = await TestDatabase.CreateAsync();
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(project, StackSettings.For(db, port));

        var ready = await service.WaitForReadyAsync(port);
        Assert.True(ready is not null, $"{project} never became ready.\n{service}");
        using (var health = JsonDocument.Parse(ready))
        {
            var checks = health.RootElement.GetProperty("checks");
            Assert.Equal("Healthy", checks.GetProperty("postgres").GetProperty("status").GetString());
            Assert.Equal("Healthy", checks.GetProperty("masstransit-bus").GetProperty("status").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}/health/live")).StatusCode);

        service.Terminate();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(45)), $"{project} did not stop after SIGTERM.\n{service}");
        Assert.True(service.ExitCode == 0, $"exit code {service.ExitCode}\n{service}");
        Assert.Contains("stopped", service.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_refuses_an_unmigrated_database_and_says_how_to_migrate()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        await using var service = ServiceProcess.Start("BrewClip.Ingest", StackSettings.For(db, ServiceProcess.FreePort()));

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.ToString());
        Assert.Equal(1, service.ExitCode);
        Assert.Contains("brewclip db migrate", service.Stderr, StringComparison.Ordinal);
        Assert.Contains("Postgres:MigrateOnStart", service.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_migrates_at_start_when_configured()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var port = ServiceProcess.FreePort();
        var settings = StackSettings.For(db, port);
        settings["BREWCLIP__Postgres__MigrateOnStart"] = "true";
        await using var service = ServiceProcess.Start("BrewClip.Training", settings);

        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        Assert.True((await new BrewClip.Storage.Migrations.SchemaMigrator(db.DataSource).GetStateAsync()).IsCurrent);
    }

    [Theory]
    [InlineData("BrewClip.Transcription", "whisper-base/encoder_model.onnx", "whisper-base")]
    [InlineData("BrewClip.AcousticEmbedding", "clip-vit-base-patch32/text_model.onnx", "clip-vit-base-patch32")]
    [InlineData("BrewClip.ImageEmbedding", "clip-vit-base-patch32/vision_model.onnx", "clip-vit-base-patch32")]
    // A chosen model is looked for in its own folder, at the chosen precision.
    [InlineData("BrewClip.Transcription", "whisper-small-int8/encoder_model.onnx", "whisper-small-int8", "whisper-small", "int8")]
    [InlineData("BrewClip.ImageEmbedding", "clip-vit-large-patch14/vision_model.onnx", "clip-vit-large-patch14", "clip-vit-large-patch14")]
    public async Task A_missing_model_stops_a_model_service_at_start_naming_the_file_and_the_pull_command(
        string project, string file, string model, string? chosen = null, string? precision = null)
    {
        await using var db = await TestDatabase.CreateAsync();
        var store = Directory.CreateTempSubdirectory("brewclip-no-models-").FullName;
        try
        {
            var settings = StackSettings.For(db, ServiceProcess.FreePort());
            settings["BREWCLIP__Models__Root"] = store;
            if (chosen is not null)
            {
                settings[chosen.StartsWith("whisper", StringComparison.Ordinal) ? "BREWCLIP__Models__Whisper" : "BREWCLIP__Models__Clip"] = chosen;
            }
            if (precision is not null)
            {
                settings["BREWCLIP__Models__Precision"] = precision;
            }
            await using var service = ServiceProcess.Start(project, settings);

            Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.ToString());
            Assert.Equal(1, service.ExitCode);
            Assert.Contains(Path.Combine(store, file), service.Stderr, StringComparison.Ordinal);
            Assert.Contains($"brewclip models pull {model}", service.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_option_stops_the_service_at_start_naming_the_option()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__RabbitMq__PrefetchCount"] = "-3";
        await using var service = ServiceProcess.Start("BrewClip.ImageEmbedding", settings);

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(30)), service.ToString());
        Assert.Equal(78, service.ExitCode);
        Assert.Contains("RabbitMq:PrefetchCount (BREWCLIP__RabbitMq__PrefetchCount)", service.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_the_catalogue_does_not_have_stops_the_service_at_start_listing_the_choices()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__Models__Clip"] = "clip-vit-huge-patch14";
        await using var service = ServiceProcess.Start("BrewClip.ImageEmbedding", settings);

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(30)), service.ToString());
        Assert.Equal(78, service.ExitCode);
        Assert.Contains("Models:Clip is 'clip-vit-huge-patch14'; choose one of clip-vit-base-patch32, clip-vit-base-patch16, clip-vit-large-patch14",
            service.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dotenv_file_is_read_and_environment_variables_override_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("brewclip-dotenv-").FullName;
        File.WriteAllText(Path.Combine(folder, ".env"), "BREWCLIP__Service__LogFormat=yaml\n");
        var settings = StackSettings.For(db, ServiceProcess.FreePort());

        await using (var rejected = ServiceProcess.Start("BrewClip.Ingest", settings, folder))
        {
            Assert.True(await rejected.WaitForExitAsync(TimeSpan.FromSeconds(30)), rejected.ToString());
            Assert.Equal(78, rejected.ExitCode);
            Assert.Contains("Service:LogFormat", rejected.Stderr, StringComparison.Ordinal);
        }

        var port = ServiceProcess.FreePort();
        settings = StackSettings.For(db, port);
        settings["BREWCLIP__Service__LogFormat"] = "json";
        await using var overridden = ServiceProcess.Start("BrewClip.Ingest", settings, folder);
        Assert.True(await overridden.WaitForReadyAsync(port) is not null, overridden.ToString());
        // json logs: one object per line.
        var firstLine = overridden.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        using var log = JsonDocument.Parse(firstLine);
        Assert.True(log.RootElement.TryGetProperty("Category", out _), firstLine);
    }

    [Fact]
    public async Task Unreachable_broker_stops_the_service_with_a_clear_message()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__RabbitMq__Port"] = ServiceProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["BREWCLIP__RabbitMq__StartupTimeoutSeconds"] = "5";
        await using var service = ServiceProcess.Start("BrewClip.Transcription", settings);

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.ToString());
        Assert.Equal(1, service.ExitCode);
        Assert.Contains("cannot connect to RabbitMQ", service.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_database_password_stops_the_service_naming_the_connection_string()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = StackSettings.For(db, ServiceProcess.FreePort());
        settings["BREWCLIP__Postgres__ConnectionString"] =
            new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.ToString());
        Assert.Equal(1, service.ExitCode);
        Assert.Contains("Postgres:ConnectionString", service.Stderr, StringComparison.Ordinal);
    }
}
