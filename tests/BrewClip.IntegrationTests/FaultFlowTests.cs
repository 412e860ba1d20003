using System.Diagnostics;
using BrewClip.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The indexing services through faults during a 300-file flow: kill -9 of each service at a random moment (and a
/// new one started), a RabbitMQ restart and a Postgres restart (each under 30 s, through scripts/infra.sh, so as
/// root like the rest of the suite's stack). Afterwards every file is indexed once, nothing is left at an
/// intermediate stage, every queue is drained and the error queues are empty; the counts are printed.
/// </summary>
[Collection(ServerRestarts.Name)]
public sealed class FaultFlowTests(ITestOutputHelper output) : IndexedFolderTests("faults")
{
    private const int Tones = 145, Videos = 10;

    [Fact]
    public async Task Every_file_is_indexed_once_through_kills_and_broker_and_database_restarts()
    {
        LinkFixtureModels();
        var made = new List<(string Path, string[] Arguments)>();
        for (var i = 0; i < Tones; i++)
        {
            var tone = Made + $"/tone-{i:D3}.wav";
            made.Add((tone, ["-f", "lavfi", "-i", $"sine=frequency={230 + 19 * i}:duration={1 + i % 3}", "-ar", "16000", tone]));
            var image = Made + $"/colour-{i:D3}.png";
            made.Add((image, ["-f", "lavfi", "-i", $"color=0x{255 - i:X2}{i * 3 % 256:X2}{i:X2}:s=40x30", "-frames:v", "1", image]));
        }
        for (var v = 0; v < Videos; v++)
        {
            var video = Made + $"/video-{v}.mp4";
            made.Add((video, ["-f", "lavfi", "-i", $"testsrc=s={72 + 8 * v}x40:d=2", "-f", "lavfi", "-i", $"sine=frequency={650 + 50 * v}:d=2",
                "-shortest", "-pix_fmt", "yuv420p", video]));
        }
        Parallel.ForEach(made, new ParallelOptions { MaxDegreeOfParallelism = 4 }, file => TestMedia.Ffmpeg(file.Arguments));
        var files = made.Select(f => f.Path).ToList();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"{files.Count} files; random seed {seed}");

        var extra = new Dictionary<string, string>
        {
            ["BREWCLIP__Ingest__LeaseCheckIntervalMs"] = "500",
            // A message lost between a commit and its publish (a kill there, or the broker away) is published again soon.
            ["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "5",
            ["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "2",
        };
        var running = new Dictionary<string, ServiceProcess>();
        foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding" })
        {
            running[project] = (await StartAsync(project, extra)).Service;
        }

        Drop(files[..100]);
        await WaitAsync(async () => await EmbeddedAsync() >= 20, "the first items to be embedded", TimeSpan.FromMinutes(5));
        Assert.Equal(300, files.Count);

        // kill -9 of each service at a random moment, each replaced by a new process.
        foreach (var project in running.Keys.OrderBy(_ => random.Next()).ToList())
        {
            await Task.Delay(random.Next(0, 1500));
            output.WriteLine($"kill -9 {project} at {await EmbeddedAsync()} items embedded");
            await running[project].KillAsync();
            running[project] = (await StartAsync(project, extra)).Service;
            if (project == "BrewClip.Ingest")
            {
                Drop(files[100..200]);
            }
        }

        output.WriteLine($"RabbitMQ restart at {await EmbeddedAsync()} items embedded: {Restart("rabbitmq")}");
        Drop(files[200..]);
        await Task.Delay(random.Next(500, 3000));
        output.WriteLine($"Postgres restart at {await EmbeddedAsync()} items embedded: {Restart("postgres")}");

        await WaitAsync(async () =>
            await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == files.Count
            && await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage not in ('embedded', 'failed')") == 0
            && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage not in ('embedded', 'failed')") == 0
            && (await RabbitMqManagement.QueuesAsync(Prefix)).Values.All(messages => messages == 0),
            "every file to be indexed and every queue to drain", TimeSpan.FromMinutes(10));

        var stages = await Db.ColumnAsync<string>("""
            select 'recordings ' || stage || ': ' || count(*) from brewclip.recordings group by stage
            union all select 'images ' || stage || ': ' || count(*) from brewclip.images group by stage
            union all select 'media: ' || count(*) from brewclip.media
            union all select 'audio vectors: ' || count(*) from brewclip.audio_vectors
            union all select 'image vectors: ' || count(*) from brewclip.image_vectors
            """);
        var queues = await RabbitMqManagement.QueuesAsync(Prefix);
        output.WriteLine(string.Join("\n", stages));
        output.WriteLine(string.Join("\n", queues.OrderBy(q => q.Key).Select(q => $"{q.Key}: {q.Value}")));

        Assert.Equal(files.Count, await Db.ScalarAsync<long>("select count(*) from brewclip.media"));
        Assert.Equal([$"images:{Tones + 4 * Videos}:embedded", $"recordings:{Tones + Videos}:embedded"], await Db.ColumnAsync<string>("""
            select 'recordings:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.recordings
            union all
            select 'images:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.images
            order by 1
            """));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.recording_segments"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.recording_segments"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.featured_segments"));
        Assert.Equal(Tones + 4 * Videos, await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"));
        Assert.All(queues.Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)), q => Assert.Equal(0, q.Value));
    }

    private void Drop(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
        }
    }

    private Task<long> EmbeddedAsync() => Db.ScalarAsync<long>("""
        select (select count(*) from brewclip.recordings where stage = 'embedded') + (select count(*) from brewclip.images where stage = 'embedded')
        """);

    /// <summary>Stops and starts one server with scripts/infra.sh; returns how long it took, failing past 30 s.</summary>
    private static string Restart(string server)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(Path.Combine(TestSettings.RepositoryRoot, "scripts", "infra.sh"), ["restart", server])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), $"infra.sh restart {server} did not finish");
        Assert.True(process.ExitCode == 0, $"infra.sh restart {server} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"restarting {server} took {clock.Elapsed}");
        return $"{clock.Elapsed.TotalSeconds:F1} s";
    }

    /// <summary>Waits for a fact; a query the database restart breaks counts as not yet.</summary>
    private async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // Postgres is coming back: ask again.
            }
            Assert.False(Services.Any(s => s.HasExited && !s.Stopped), $"a service exited while waiting for {what}.\n{string.Join('\n', Services)}");
            Assert.True(clock.Elapsed < limit, $"timed out waiting for {what}.\n{string.Join('\n', Services.Where(s => !s.Stopped))}");
            await Task.Delay(250);
        }
    }
}

/// <summary>Tests that restart Postgres or RabbitMQ run alone, when no other test uses them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestarts
{
    public const string Name = "server restarts";
}
