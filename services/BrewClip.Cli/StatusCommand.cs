using System.CommandLine;
using System.Globalization;
using BrewClip.Hosting.Options;
using BrewClip.Storage;
using BrewClip.Storage.Migrations;
using Npgsql;
using RabbitMQ.Client;

namespace BrewClip.Cli;

/// <summary><c>brewclip status</c>: can the pipeline reach its database and broker, is every service ready, and how far is the index.</summary>
internal static class StatusCommand
{
    /// <summary>Ingest's reason for a dot-file (see ObjectNames in the Ingest service).</summary>
    private const string HiddenFile = "a hidden file";

    /// <summary>Where each service answers /health/ready when none are configured: scripts/stack.sh's ports.</summary>
    private static readonly KeyValuePair<string, string>[] DefaultServices =
    [
        new("Ingest", "http://127.0.0.1:8081"),
        new("Transcription", "http://127.0.0.1:8082"),
        new("AcousticEmbedding", "http://127.0.0.1:8083"),
        new("ImageEmbedding", "http://127.0.0.1:8084"),
        new("Training", "http://127.0.0.1:8085"),
        new("Search", "http://127.0.0.1:8086"),
    ];

    public static Command Create()
    {
        var command = new Command("status",
            "Check Postgres, the schema and RabbitMQ, ask every service's /health/ready (Cli:Services:<Name>=URL, by default " +
            "scripts/stack.sh's 127.0.0.1:8081-8086), and show the index by kind and stage.");
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

        var services = Services(configuration);
        if (services is null)
        {
            return ExitCodes.Configuration;
        }

        var healthy = await CheckPostgresAsync(postgres, cancellationToken);
        healthy &= await CheckRabbitMqAsync(rabbitMq, cancellationToken);
        healthy &= await CheckServicesAsync(services, cancellationToken);
        return healthy ? ExitCodes.Ok : ExitCodes.Unhealthy;
    }

    /// <summary>The services to ask: the Cli:Services section when it names any (it replaces the defaults), else the defaults.</summary>
    private static List<KeyValuePair<string, Uri>>? Services(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var section = configuration.GetSection("Cli:Services").GetChildren().ToList();
        var named = section.Count > 0 ? section.Select(c => new KeyValuePair<string, string>(c.Key, c.Value ?? "")) : DefaultServices;
        var services = new List<KeyValuePair<string, Uri>>();
        foreach (var (name, url) in named)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"brewclip: invalid configuration: Cli:Services:{name} (BREWCLIP__Cli__Services__{name}) must be an http(s) URL, not '{url}'");
                return null;
            }
            services.Add(new(name, uri));
        }
        return services;
    }

    /// <summary>One line per service: ready, not ready (with the failing checks), or down (with why).</summary>
    private static async Task<bool> CheckServicesAsync(List<KeyValuePair<string, Uri>> services, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var answers = await Task.WhenAll(services.Select(async service =>
        {
            var ready = new Uri(service.Value, "/health/ready");
            try
            {
                using var response = await http.GetAsync(ready, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                return response.IsSuccessStatusCode ? (Ok: true, Text: $"ready      {service.Value}") : (Ok: false, Text: $"not ready  {service.Value}: {FailingChecks(body)}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = e is TaskCanceledException ? "no answer within 3 s" : e.GetBaseException().Message;
                return (Ok: false, Text: $"down       {service.Value}: {why}");
            }
        }));
        for (var i = 0; i < services.Count; i++)
        {
            Console.WriteLine($"service   {services[i].Key,-18} {answers[i].Text}");
        }
        var down = services.Where((_, i) => !answers[i].Ok).Select(s => s.Key).ToList();
        if (down.Count > 0)
        {
            Console.WriteLine($"services  {down.Count} of {services.Count} not ready: {string.Join(", ", down)}");
        }
        return down.Count == 0;
    }

    /// <summary>The checks a /health/ready answer reports as failing, with their descriptions.</summary>
    private static string FailingChecks(string body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            var failing = document.RootElement.GetProperty("checks").EnumerateObject()
                .Where(c => c.Value.GetProperty("status").GetString() != "Healthy")
                .Select(c => c.Value.TryGetProperty("description", out var d) && d.GetString() is { Length: > 0 } text ? $"{c.Name}: {text}" : c.Name)
                .ToList();
            return failing.Count > 0 ? string.Join("; ", failing) : "unhealthy";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
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
        // The active version, the models it was made with, and a change of model on its way (a base version re-indexing).
        await using (var active = dataSource.CreateCommand("""
            select version, description, format('%s + %s, %s, %s-d', clip_model, whisper_model, model_precision, width), status
            from brewclip.model_versions
            where status = 'active' or (status = 'backfilling' and artifact_uri is null)
            order by status = 'active' desc, version
            """))
        await using (var reader = await active.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Console.WriteLine(reader.GetString(3) == "active"
                    ? $"model     version {reader.GetInt32(0)}: {reader.GetString(1)} ({reader.GetString(2)})"
                    : $"model     version {reader.GetInt32(0)} re-indexing for a change of model ({reader.GetString(2)}); `brewclip models list` shows its progress");
            }
        }
        if (await TrainingCommands.LatestLineAsync(dataSource, cancellationToken) is { } training)
        {
            Console.WriteLine($"training  {training}");
        }
        // Files the sources hold that Ingest does not read, by why (the part of the reason before its details). Hidden files
        // (.gitkeep, .DS_Store) are passed over as Ingest passes over them: listed in the table, not worth a word here.
        await using (var skipped = dataSource.CreateCommand($"""
            select split_part(reason, ' (', 1), count(*) from brewclip.skipped_objects
            where reason <> '{HiddenFile}' group by 1 order by 2 desc, 1
            """))
        await using (var reader = await skipped.ExecuteReaderAsync(cancellationToken))
        {
            var reasons = new List<(string Reason, long Count)>();
            while (await reader.ReadAsync(cancellationToken))
            {
                reasons.Add((reader.GetString(0), reader.GetInt64(1)));
            }
            if (reasons.Count > 0)
            {
                Console.WriteLine($"skipped   {reasons.Sum(r => r.Count)} files not read: {string.Join(", ", reasons.Select(r => $"{r.Count} {r.Reason}"))} " +
                    "(select * from brewclip.skipped_objects)");
            }
        }
        await using var command = dataSource.CreateCommand(
            "select kind, stage, items, lag from brewclip.index_status order by kind, stage");
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        var table = new List<string>();
        while (await rows.ReadAsync(cancellationToken))
        {
            var lag = rows.IsDBNull(3) ? "" : rows.GetFieldValue<TimeSpan>(3).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
            table.Add($"{rows.GetString(0),-10} {rows.GetString(1),-12} {rows.GetInt64(2),8}  {lag}");
        }
        if (table.Count == 0)
        {
            Console.WriteLine("index     empty: nothing is indexed yet; drop audio, images or videos into a watched folder or bucket (Ingest:Folders, Ingest:Buckets)");
            return;
        }
        Console.WriteLine($"{"kind",-10} {"stage",-12} {"items",8}  lag");
        table.ForEach(Console.WriteLine);
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
