using System.CommandLine;
using System.Globalization;
using BrewClip.Contracts;
using BrewClip.Hosting.Options;
using BrewClip.Models.Training;
using BrewClip.Storage;
using Npgsql;

namespace BrewClip.Cli;

/// <summary>
/// <c>brewclip retrain [--epochs N] [--frame-match M] [--wait] | --cancel</c> and <c>brewclip training status</c>:
/// asking the Training service for a run, following it, and seeing where runs stand.
/// </summary>
internal static class TrainingCommands
{
    private static readonly string[] FrameMatches = ["random", "nearest", "multiframe"];
    private static readonly string[] Final = ["succeeded", "rejected", "skipped", "failed", "cancelled"];

    public static Command Retrain()
    {
        var epochs = new Option<int?>("--epochs") { Description = "Train this many epochs (default: Training:Epochs, or until validation recall stops improving)." };
        var frameMatch = new Option<string?>("--frame-match") { Description = "How video audio meets its frames: random, nearest or multiframe (default: Training:FrameMatch)." };
        frameMatch.AcceptOnlyFromAmong(FrameMatches);
        var reason = new Option<string?>("--reason") { Description = "Why, kept with the run." };
        var ifNew = new Option<bool>("--if-new-pairs") { Description = "Train only when Training:MinNewPairs train pairs arrived since the last run (as the schedule does)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the run with a progress bar, then its version's backfill, until the version is active " +
            "(exit 0) or not (rejected or left a candidate: exit 4); a failed or cancelled run exits 1, a skipped one 5." };
        var noWaitActivation = new Option<bool>("--no-wait-activation") { Description = "With --wait, return when the run ends, before its version is backfilled and active." };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel the queued run and stop the running one instead." };
        var command = new Command("retrain", "Ask the Training service to fine-tune the heads on the pairs the index has collected; a candidate that beats the active version is promoted.")
        {
            epochs, frameMatch, reason, ifNew, wait, noWaitActivation, cancel,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(epochs) is < 1 or > 10_000)
            {
                result.AddError("--epochs must be between 1 and 10000.");
            }
            if (result.GetValue(cancel) && (result.GetValue(epochs) is not null || result.GetValue(frameMatch) is not null || result.GetValue(wait)))
            {
                result.AddError("--cancel takes no other option.");
            }
            if (result.GetValue(noWaitActivation) && !result.GetValue(wait))
            {
                result.AddError("--no-wait-activation goes with --wait.");
            }
        });
        command.SetAction((result, cancellationToken) => result.GetValue(cancel)
            ? CancelAsync(cancellationToken)
            : RetrainAsync(new RetrainRequested(Guid.NewGuid(), $"brewclip retrain ({Environment.UserName}@{Environment.MachineName})", !result.GetValue(ifNew),
                result.GetValue(epochs), result.GetValue(frameMatch), result.GetValue(reason)), result.GetValue(wait), !result.GetValue(noWaitActivation), cancellationToken));
        return command;
    }

    public static Command Training()
    {
        var follow = new Option<bool>("--follow") { Description = "Redraw until no run is queued or running and no version is backfilling; started when " +
            "nothing is, it first waits for the next run." };
        var status = new Command("status", "The latest training runs: status, progress, loss, speed, and each candidate's validation recall.") { follow };
        status.SetAction((result, cancellationToken) => StatusAsync(result.GetValue(follow), cancellationToken));
        return new Command("training", "Training runs.") { status };
    }

    private static async Task<int> RetrainAsync(RetrainRequested request, bool wait, bool waitActivation, CancellationToken cancellationToken)
    {
        var configuration = CliSettings.Load();
        var postgres = CliSettings.TryBind<PostgresOptions>(configuration, PostgresOptions.Section);
        var rabbitMq = CliSettings.TryBind<RabbitMqOptions>(configuration, RabbitMqOptions.Section);
        if (postgres is null || rabbitMq is null)
        {
            return ExitCodes.Configuration;
        }
        if (!await TrainingClient.PublishAsync(rabbitMq, request, cancellationToken))
        {
            return ExitCodes.Failed;
        }
        Console.WriteLine($"retrain requested ({request.RequestId}); follow it with `brewclip training status --follow`");
        if (!wait)
        {
            return ExitCodes.Ok;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        var deadline = DateTime.UtcNow + TrainingClient.Patience;
        long? id = null;
        while (id is null)
        {
            await using var find = dataSource.CreateCommand("select id from brewclip.training_runs where request_ids @> array[$1]");
            find.Parameters.Add(new() { Value = request.RequestId });
            id = await find.ExecuteScalarAsync(cancellationToken) as long?;
            if (id is null)
            {
                if (DateTime.UtcNow > deadline)
                {
                    Console.Error.WriteLine($"brewclip: the Training service did not take the request within {TrainingClient.Patience.TotalSeconds:F0} s; is it running? (`brewclip status`)");
                    return ExitCodes.Failed;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            }
        }
        Console.WriteLine($"run {id}");
        var run = await FollowAsync(dataSource, id.Value, cancellationToken);
        switch (run.Status)
        {
            case "succeeded" when run.Candidate is { } version && waitActivation:
                // The run is over; its version becomes active only when both backfills are done.
                return await ModelVersionsCommands.FollowAsync(dataSource, version, cancellationToken, waitForCandidate: false);
            case "succeeded":
                return ExitCodes.Ok;
            case "rejected":
                return ExitCodes.NotPromoted;
            case "skipped":
                return ExitCodes.Skipped;
            default:
                return ExitCodes.Failed;
        }
    }

    /// <summary>A progress bar redrawn (or, when the output is not a terminal, a line when the run moves) until the run ends; returns the ended run.</summary>
    private static async Task<RunRow> FollowAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected;
        var last = "";
        while (true)
        {
            var run = (await ReadAsync(dataSource, id, 1, cancellationToken)).Single();
            var line = run.Line();
            if (Final.Contains(run.Status))
            {
                if (interactive && last.Length > 0)
                {
                    Console.WriteLine();
                }
                Console.WriteLine(line);
                return run;
            }
            if (line != last)
            {
                if (interactive)
                {
                    Console.Write($"\r{line}".PadRight(Math.Max(last.Length + 1, line.Length + 1)));
                }
                else
                {
                    Console.WriteLine(line);
                }
                last = line;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static async Task<int> CancelAsync(CancellationToken cancellationToken)
    {
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        await using var command = dataSource.CreateCommand("select brewclip.cancel_retrain()");
        var affected = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        Console.WriteLine(affected == 0 ? "no run is queued or running" : $"cancelled {affected} run(s); a running one stops within a step");
        return ExitCodes.Ok;
    }

    private static async Task<int> StatusAsync(bool follow, CancellationToken cancellationToken)
    {
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        // Followed from a moment when nothing moves, the next run is what to follow: wait for it to be queued.
        var waiting = follow && !await InMotionAsync(dataSource, cancellationToken);
        if (waiting)
        {
            var newest = (await ReadAsync(dataSource, null, 1, cancellationToken)).SingleOrDefault()?.Id ?? 0;
            Console.WriteLine("no run is queued or running and no version is backfilling; waiting for the next run (`brewclip retrain` asks for one)");
            while ((await ReadAsync(dataSource, null, 1, cancellationToken)).SingleOrDefault()?.Id is not { } id || id <= newest)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        while (true)
        {
            var runs = await ReadAsync(dataSource, null, 10, cancellationToken);
            if (runs.Count == 0)
            {
                Console.WriteLine("no training runs yet: `brewclip retrain` asks for one");
            }
            foreach (var run in runs)
            {
                Console.WriteLine(run.Line());
            }
            if (!follow || !await InMotionAsync(dataSource, cancellationToken))
            {
                return ExitCodes.Ok;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            Console.WriteLine();
        }
    }

    /// <summary>Whether a run is queued or running, or a version is backfilling.</summary>
    private static async Task<bool> InMotionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select exists (select 1 from brewclip.training_runs where status in ('queued', 'running'))
                or exists (select 1 from brewclip.model_versions where status = 'backfilling')
            """);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>One line about the newest run, for `brewclip status`; null when there is none.</summary>
    public static async Task<string?> LatestLineAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        => (await ReadAsync(dataSource, null, 1, cancellationToken)).SingleOrDefault()?.Line();

    private static async Task<List<RunRow>> ReadAsync(NpgsqlDataSource dataSource, long? id, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select id, trigger, status, epoch, coalesce(epochs, 0), step, coalesce(total_steps, 0), progress, loss, samples_per_second, eta_seconds,
                   coalesce(message, ''), metrics::text, candidate_version, requested_at, stops_at_step
            from brewclip.training_runs where $1::bigint is null or id = $1 order by id desc limit $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = limit });
        var rows = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new RunRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5),
                reader.GetInt32(6), reader.GetDouble(7), reader.IsDBNull(8) ? null : reader.GetDouble(8), reader.IsDBNull(9) ? null : reader.GetDouble(9),
                reader.IsDBNull(10) ? null : reader.GetDouble(10), reader.GetString(11), reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetInt32(13))
            {
                StopsAt = reader.IsDBNull(15) ? null : reader.GetInt32(15),
            });
        }
        await reader.CloseAsync();
        // Each candidate's present state, read from the model versions (not the text its run wrote when it ended).
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Candidate is { } version)
            {
                rows[i] = rows[i] with { VersionState = await ModelVersionsCommands.StateAsync(dataSource, version, cancellationToken) };
            }
        }
        return rows;
    }

    private sealed record RunRow(long Id, string Trigger, string Status, int Epoch, int Epochs, int Step, int TotalSteps, double Progress,
        double? Loss, double? SamplesPerSecond, double? EtaSeconds, string Message, string Metrics, int? Candidate, string? VersionState = null)
    {
        /// <summary>An early-stopping run's expected end (the step it stops at if validation does not improve again).</summary>
        public int? StopsAt { get; init; }

        public string Line()
        {
            var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"run {Id,4} {Status,-9} ({Trigger})") };
            if (Status == "running" && TotalSteps > 0)
            {
                var filled = (int)(Math.Clamp(Progress, 0, 1) * 20);
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"[{new string('#', filled)}{new string('.', 20 - filled)}] {Progress * 100,3:F0}% epoch {Epoch}/{Epochs} {TrainingProgress.StepText(Step, StopsAt, TotalSteps)}"));
                if (Loss is { } loss)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"loss {loss:F4}"));
                }
                if (SamplesPerSecond is { } speed)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{speed:F1} samples/s"));
                }
                if (EtaSeconds is { } eta)
                {
                    parts.Add($"eta {TimeSpan.FromSeconds(Math.Round(eta)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)}");
                }
            }
            else if (Recall(Metrics) is { } recall)
            {
                parts.Add(recall);
            }
            var message = Message;
            if (VersionState is not null && Final.Contains(Status))
            {
                // The run's own words about its version ("version 3 promoted, backfilling: ...") were true when it ended;
                // the version's state now replaces them, and the comparison after the colon stays.
                parts.Add(VersionState);
                message = message.StartsWith($"version {Candidate} ", StringComparison.Ordinal) && message.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon
                    ? message[(colon + 2)..]
                    : message;
            }
            if (message.Length > 0 && VersionState?.Contains(message, StringComparison.Ordinal) != true
                && !(Status == "running" && TotalSteps > 0 && message.StartsWith("training:", StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
            return string.Join("  ", parts);
        }

        private static string? Recall(string json)
        {
            if (TrainingMetrics.FromJson(json) is not { } metrics)
            {
                return null;
            }
            static string Of(RetrievalReport report) => string.Create(CultureInfo.InvariantCulture,
                $"R@1/5/10 a->i {report.AudioToImage.R1:F2}/{report.AudioToImage.R5:F2}/{report.AudioToImage.R10:F2}"
                + $" i->a {report.ImageToAudio.R1:F2}/{report.ImageToAudio.R5:F2}/{report.ImageToAudio.R10:F2}")
                + (report.TextToImage is { } text ? string.Create(CultureInfo.InvariantCulture, $" text->i {text.R1:F2}/{text.R5:F2}/{text.R10:F2}") : "");
            return $"candidate {Of(metrics.Candidate)} vs active v{metrics.ActiveVersion} {Of(metrics.Active)}";
        }
    }
}
