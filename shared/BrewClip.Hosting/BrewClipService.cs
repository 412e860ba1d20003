using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Configuration;
using BrewClip.Hosting.Database;
using BrewClip.Hosting.Health;
using BrewClip.Hosting.Options;
using BrewClip.Storage;
using BrewClip.Storage.Migrations;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace BrewClip.Hosting;

/// <summary>What every BrewClip service host shares: configuration, validated options, logging,
/// Postgres and the schema check, the bus, health endpoints and graceful shutdown.</summary>
public static class BrewClipService
{
    /// <summary>Exit code for a configuration error (sysexits' EX_CONFIG).</summary>
    public const int ConfigurationErrorExitCode = 78;

    /// <summary>Exit code for a dependency that could not be used at start (Postgres, the schema, the broker).</summary>
    public const int StartFailureExitCode = 1;

    /// <summary>
    /// Builds and runs a service until SIGTERM or Ctrl+C; returns the process exit code. A bad option or an
    /// unusable dependency ends it at start with one message that names the cause.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, string serviceName,
        Action<WebApplicationBuilder>? configureServices = null, Action<IBusRegistrationConfigurator>? configureBus = null,
        Action<WebApplication>? configureApp = null)
    {
        WebApplication app;
        try
        {
            app = Build(args, serviceName, configureServices, configureBus, configureApp);
        }
        catch (Exception e) when (DescribeStartFailure(e) is { } failure)
        {
            await Console.Error.WriteLineAsync($"{serviceName}: {failure.Message}").ConfigureAwait(false);
            return failure.ExitCode;
        }

        await using (app.ConfigureAwait(false))
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(serviceName);
            try
            {
                await app.RunAsync().ConfigureAwait(false);
                logger.LogInformation("{Service} stopped", serviceName);
                return 0;
            }
            catch (Exception e) when (DescribeStartFailure(e) is { } failure)
            {
                logger.LogCritical("{Service} cannot start: {Reason}", serviceName, failure.Message);
                await Console.Error.WriteLineAsync($"{serviceName}: {failure.Message}").ConfigureAwait(false);
                return failure.ExitCode;
            }
        }
    }

    /// <summary>The host of a service, not yet started: for <see cref="RunAsync"/> and for tests.</summary>
    /// <param name="configureServices">The service's own services; hosted services added here start after the schema check and before the bus.</param>
    /// <param name="configureBus">The service's consumers.</param>
    /// <param name="configureApp">The service's own endpoints, on the same URL as the health endpoints.</param>
    public static WebApplication Build(string[] args, string serviceName,
        Action<WebApplicationBuilder>? configureServices = null, Action<IBusRegistrationConfigurator>? configureBus = null,
        Action<WebApplication>? configureApp = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = serviceName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddBrewClipSources(args);
        var configuration = builder.Configuration;

        // Validated here as well as at start, so a bad option stops the service before anything is wired.
        var service = configuration.BindValidated<ServiceOptions>(ServiceOptions.Section);
        configuration.BindValidated<PostgresOptions>(PostgresOptions.Section);
        var rabbitMq = configuration.BindValidated<RabbitMqOptions>(RabbitMqOptions.Section);
        builder.Services.AddValidatedOptions<ServiceOptions>(configuration, ServiceOptions.Section);
        builder.Services.AddValidatedOptions<PostgresOptions>(configuration, PostgresOptions.Section);
        builder.Services.AddValidatedOptions<RabbitMqOptions>(configuration, RabbitMqOptions.Section);

        ConfigureLogging(builder, service);
        builder.WebHost.UseUrls(service.HealthUrl);
        builder.Services.Configure<HostOptions>(host =>
        {
            // Leave the bus its whole stop timeout, plus a margin for the rest of the host.
            host.ShutdownTimeout = TimeSpan.FromSeconds(service.ShutdownTimeoutSeconds + 5);
        });

        builder.Services.AddSingleton(sp => BrewClipDataSource.Create(
            sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
            sp.GetRequiredService<ILoggerFactory>()));
        // Registered before the bus so the schema is checked before any message is consumed.
        builder.Services.AddHostedService<SchemaGate>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [HealthEndpoints.ReadyTag]);
        configureServices?.Invoke(builder);
        builder.Services.AddBrewClipBus(rabbitMq, service, BusRegistration.OwnerOf(serviceName), configureBus);

        var app = builder.Build();
        app.MapBrewClipHealth();
        configureApp?.Invoke(app);
        return app;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, ServiceOptions service)
    {
        builder.Logging.ClearProviders();
        if (service.LogFormat == "json")
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                json.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
    }

    private sealed record StartFailure(string Message, int ExitCode);

    private static StartFailure? DescribeStartFailure(Exception e) => e switch
    {
        OptionsValidationException v => new("invalid configuration: " + string.Join(" ", v.Failures), ConfigurationErrorExitCode),
        // The configuration binder names the key it could not convert.
        InvalidOperationException i when OptionsRegistration.ConversionFailure(i) is { } conversion
            => new("invalid configuration: " + conversion.Message, ConfigurationErrorExitCode),
        FormatException f when f.Message.Contains(".env", StringComparison.Ordinal) => new("invalid configuration: " + f.Message, ConfigurationErrorExitCode),
        SchemaOutOfDateException or MigrationException or PostgresUnavailableException or ServiceStartException => new(e.Message, StartFailureExitCode),
        BrokerUnreachableException or RabbitMqConnectionException => new(
            $"cannot connect to RabbitMQ: {e.Message} ({e.GetBaseException().Message}). Check RabbitMq:Host, RabbitMq:Port, RabbitMq:Username and RabbitMq:Password.",
            StartFailureExitCode),
        AggregateException { InnerExceptions.Count: 1 } a => DescribeStartFailure(a.InnerExceptions[0]),
        _ => null,
    };
}
