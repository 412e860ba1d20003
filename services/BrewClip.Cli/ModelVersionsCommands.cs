using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BrewClip.Contracts;
using BrewClip.Hosting.Options;
using BrewClip.Models;
using BrewClip.Models.Heads;
using BrewClip.Models.Training;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using Npgsql;

namespace BrewClip.Cli;

/// <summary>
/// <c>brewclip models list | activate N | promote PATH</c>: the model versions, a rollback, and heads trained
/// elsewhere put into service. Changes are asked of the Training service, which owns the versions.
/// </summary>
internal static class ModelVersionsCommands
{
    public static IEnumerable<Command> Create()
    {
        var follow = new Option<bool>("--follow") { Description = "Redraw until no version is being backfilled." };
        var list = new Command("list", "Model versions with status, metrics and backfill progress.") { follow };
        list.SetAction((result, cancellationToken) => ListAsync(result.GetValue(follow), cancellationToken));

        var version = new Argument<int>("version") { Description = "A retired version whose vectors are kept (see `brewclip models list`)." };
        var activate = new Command("activate", "Make a retained version active at once (a rollback).") { version };
        activate.SetAction((result, cancellationToken) => ActivateAsync(result.GetValue(version), cancellationToken));

        var path = new Argument<string>("path") { Description = $"A folder with {AudioHead.ConfigFile}, {AudioHead.WeightsFile} and {ImageHead.FileName}." };
        var description = new Option<string?>("--description") { Description = "What this version is (default: the folder's name)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the backfill until the version is active or rejected." };
        var promote = new Command("promote", "Register heads trained elsewhere as a new version and promote it: every item is re-embedded, then it becomes active.")
        {
            path, description, wait,
        };
        promote.SetAction((result, cancellationToken) => PromoteAsync(result.GetValue(path)!, result.GetValue(description), result.GetValue(wait), cancellationToken));
        return [list, activate, promote];
    }

    private static async Task<int> ListAsync(bool follow, CancellationToken cancellationToken)
    {
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        while (true)
        {
            var rows = await ReadAsync(dataSource, null, cancellationToken);
            Console.WriteLine($"{"version",7}  {"status",-11} {"activated",-20} {"audio",-36} {"image",-36} metrics / reason");
            foreach (var row in rows)
            {
                Console.WriteLine(row.Line());
            }
            if (!follow || rows.All(r => r.Status != "backfilling"))
            {
                return ExitCodes.Ok;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            Console.WriteLine();
        }
    }

    private static async Task<int> ActivateAsync(int version, CancellationToken cancellationToken)
    {
        var rabbitMq = CliSettings.TryBind<RabbitMqOptions>(CliSettings.Load(), RabbitMqOptions.Section);
        if (rabbitMq is null)
        {
            return ExitCodes.Configuration;
        }
        return await TrainingClient.AskAsync(rabbitMq, new ActivateModel(version), cancellationToken) is null ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static async Task<int> PromoteAsync(string path, string? description, bool wait, CancellationToken cancellationToken)
    {
        var configuration = CliSettings.Load();
        var postgres = CliSettings.TryBind<PostgresOptions>(configuration, PostgresOptions.Section);
        var rabbitMq = CliSettings.TryBind<RabbitMqOptions>(configuration, RabbitMqOptions.Section);
        var artifactOptions = CliSettings.TryBind<ArtifactOptions>(configuration, ArtifactOptions.Section);
        if (postgres is null || rabbitMq is null || artifactOptions is null)
        {
            return ExitCodes.Configuration;
        }
        var folder = Path.GetFullPath(path);
        try
        {
            var config = HeadFolder.Check(folder);
            Console.WriteLine($"checked {folder}: audio head {config.WhisperWidth}-d Whisper and {config.TextWidth}-d CLIP text states -> {config.EmbeddingSize}-d; image head {config.EmbeddingSize}-d");
        }
        catch (Exception e) when (e is InvalidDataException or ModelMissingException)
        {
            Console.Error.WriteLine($"brewclip: not promoted: {e.Message}");
            return ExitCodes.Failed;
        }

        // Uploaded to the artifact store, where Training and every embedding service (on any machine) read them.
        var artifacts = artifactOptions.CreateStore();
        using var disposeArtifacts = artifacts as IDisposable;
        string heads;
        try
        {
            heads = await artifacts.WriteFolderAsync($"heads/{Guid.NewGuid():N}", folder, HeadFolder.Files, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            Console.Error.WriteLine($"brewclip: not promoted: the heads could not be uploaded to the artifact store: {e.Message}");
            return ExitCodes.Failed;
        }
        Console.WriteLine($"uploaded to {heads}");
        var (version, refused) = await TrainingClient.AskForAnswerAsync(rabbitMq, new PromoteModel(heads, description ?? new DirectoryInfo(folder).Name), cancellationToken);
        if (version is null)
        {
            // Refused (or never sent): nothing will use the upload. Unanswered, it stays for the queued request.
            if (refused)
            {
                foreach (var file in HeadFolder.Files)
                {
                    await artifacts.DeleteAsync(ArtifactFolders.FileUri(heads, file), CancellationToken.None);
                }
            }
            return ExitCodes.Failed;
        }
        if (!wait)
        {
            Console.WriteLine("follow it with `brewclip models list --follow`");
            return ExitCodes.Ok;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        return await FollowAsync(dataSource, version.Value, cancellationToken);
    }

    /// <summary>
    /// One line redrawn while the version backfills (a line per change when the output is not a terminal); returns when it
    /// is active (0) or anything else (rejected, retired, or still a candidate that was not promoted: <see cref="ExitCodes.NotPromoted"/>).
    /// </summary>
    internal static async Task<int> FollowAsync(NpgsqlDataSource dataSource, int version, CancellationToken cancellationToken, bool waitForCandidate = true)
    {
        var interactive = !Console.IsOutputRedirected;
        var last = "";
        while (true)
        {
            var row = (await ReadAsync(dataSource, version, cancellationToken)).Single();
            var line = row.State();
            if (row.Status == "backfilling" || (row.Status == "candidate" && waitForCandidate))
            {
                if (interactive)
                {
                    Console.Write($"\r{line}".PadRight(Math.Max(last.Length + 1, line.Length + 1)));
                }
                else if (line != last)
                {
                    Console.WriteLine(line);
                }
                last = line;
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }
            if (interactive && last.Length > 0)
            {
                Console.WriteLine();
            }
            Console.WriteLine(line);
            return row.Status == "active" ? ExitCodes.Ok : ExitCodes.NotPromoted;
        }
    }

    /// <summary>
    /// Where a version stands now, in one line: "version 3 backfilling: audio [###...] 40% 4/10, images ...", "version 3 active
    /// since ...", "version 3 rejected: why"; null when there is no such version.
    /// </summary>
    internal static async Task<string?> StateAsync(NpgsqlDataSource dataSource, int version, CancellationToken cancellationToken)
        => (await ReadAsync(dataSource, version, cancellationToken)).SingleOrDefault()?.State();

    private static async Task<List<VersionRow>> ReadAsync(NpgsqlDataSource dataSource, int? version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select p.version, p.status, coalesce(p.status_reason, ''), p.description, p.metrics::text, p.activated_at, p.vectors_dropped_at is not null,
                   p.audio_done, p.audio_total, p.audio_finished_at is not null, p.image_done, p.image_total, p.image_finished_at is not null,
                   format('%s + %s, %s, %s-d', m.clip_model, m.whisper_model, m.model_precision, m.width)
            from brewclip.model_versions_progress p join brewclip.model_versions m on m.version = p.version
            where $1::integer is null or p.version = $1 order by p.version desc
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var rows = new List<VersionRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new VersionRow(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6),
                Progress.From(reader, 7), Progress.From(reader, 10), reader.GetString(13)));
        }
        return rows;
    }

    private sealed record Progress(long Done, long Total, bool Finished)
    {
        public static Progress? From(NpgsqlDataReader reader, int column)
            => reader.IsDBNull(column) ? null : new Progress(reader.GetInt64(column), reader.GetInt64(column + 1), reader.GetBoolean(column + 2));

        /// <summary>A 20-wide bar with the count: [##########..........]  50% 5000/10000.</summary>
        public override string ToString()
        {
            var fraction = Finished ? 1.0 : Total == 0 ? 0 : Math.Min(1.0, (double)Done / Total);
            var filled = (int)(fraction * 20);
            return string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', 20 - filled)}] {fraction * 100,3:F0}% {Done}/{Total}");
        }
    }

    private sealed record VersionRow(int Version, string Status, string Reason, string Description, string Metrics,
        DateTimeOffset? ActivatedAt, bool Dropped, Progress? Audio, Progress? Image, string Models)
    {
        /// <summary>The version's present state, with backfill progress and the reason it is where it is.</summary>
        public string State()
        {
            var state = Status switch
            {
                "active" => $"version {Version} active since {ActivatedAt?.ToString("u", CultureInfo.InvariantCulture)}",
                "backfilling" => $"version {Version} ({Models}) backfilling: audio {Audio?.ToString() ?? "(not started)"}, images {Image?.ToString() ?? "(not started)"}",
                "candidate" => $"version {Version} a candidate, not promoted",
                "retired" => $"version {Version} retired{(Dropped ? " (vectors dropped)" : "")}",
                _ => $"version {Version} {Status}",
            };
            return Reason.Length > 0 && Status is not ("active" or "backfilling") ? $"{state}: {Reason}" : state;
        }

        public string Line()
        {
            var activated = ActivatedAt is { } at ? at.ToString("u", CultureInfo.InvariantCulture) : "";
            var status = Status == "retired" && Dropped ? "retired*" : Status;
            var notes = new List<string> { Description, Models };
            if (Metrics != "{}")
            {
                notes.Add(SummarizeMetrics(Metrics));
            }
            if (Reason.Length > 0)
            {
                notes.Add(Reason);
            }
            if (Dropped)
            {
                notes.Add("vectors dropped by retention");
            }
            return $"{Version,7}  {status,-11} {activated,-20} {Audio?.ToString() ?? "",-36} {Image?.ToString() ?? "",-36} {string.Join("; ", notes)}";
        }

        private static string SummarizeMetrics(string json)
        {
            if (TrainingMetrics.FromJson(json) is { } trained)
            {
                // A trained version: its validation recall against the version it was measured with.
                return string.Create(CultureInfo.InvariantCulture,
                    $"mean validation recall {trained.Candidate.MeanRecall:0.###} (version {trained.ActiveVersion}: {trained.Active.MeanRecall:0.###}), R@1 audio->image {trained.Candidate.AudioToImage.R1:0.###}");
            }
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return string.Join(", ", root.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Value.GetDouble():0.###}")));
        }
    }
}
