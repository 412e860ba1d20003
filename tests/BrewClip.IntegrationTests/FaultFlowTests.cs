using System.Diagnostics;
using Xunit.Abstractions;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The indexing services through faults during a 300-file flow: kill -9 of each service at a random moment (and a
/// new one started), a RabbitMQ restart and a Postgres restart (each under 30 s, through scripts/infra.sh, so as
/// root like the rest of the suite's stack). Afterwards every file is indexed once, nothing is left at an
/// intermediate stage, every queue is drained and the error queues are empty; the counts are printed.
/// </summary>
[Collection(ServerRestarts.Name)]
public sealed class FaultFlowTests(ITestOutputHelper output) : FileFlowTests("faults")
{
    [Fact]
    public async Task Every_file_is_indexed_once_through_kills_and_broker_and_database_restarts()
    {
        LinkFixtureModels();
        var files = MakeMedia();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"{files.Count} files; random seed {seed}");
        var settings = RecoverySettings();
        var running = new Dictionary<string, ServiceProcess>();
        foreach (var project in IndexingServices)
        {
            running[project] = (await StartAsync(project, settings)).Service;
        }

        Drop(files[..100]);
        await WaitAsync(async () => await EmbeddedAsync() >= 20, "the first items to be embedded", wholeFlow: true);
        // kill -9 of each service at a random moment, each replaced by a new process.
        foreach (var project in running.Keys.OrderBy(_ => random.Next()).ToList())
        {
            await Task.Delay(random.Next(0, 1500));
            output.WriteLine($"kill -9 {project} at {await EmbeddedAsync()} items embedded");
            await running[project].KillAsync();
            running[project] = (await StartAsync(project, settings)).Service;
            if (project == "BrewClip.Ingest")
            {
                Drop(files[100..200]);
            }
        }
        output.WriteLine($"RabbitMQ restart at {await EmbeddedAsync()} items embedded: {Restart("rabbitmq")}");
        Drop(files[200..]);
        await Task.Delay(random.Next(500, 3000));
        output.WriteLine($"Postgres restart at {await EmbeddedAsync()} items embedded: {Restart("postgres")}");

        await SettledAsync(files.Count);
        output.WriteLine(string.Join("\n", await Db.ColumnAsync<string>("""
            select 'recordings ' || stage || ': ' || count(*) from brewclip.recordings group by stage
            union all select 'images ' || stage || ': ' || count(*) from brewclip.images group by stage
            union all select 'media: ' || count(*) from brewclip.media
            union all select 'audio vectors: ' || count(*) from brewclip.audio_vectors
            union all select 'image vectors: ' || count(*) from brewclip.image_vectors
            """)));
        output.WriteLine(string.Join("\n", (await RabbitMqManagement.QueuesAsync(Prefix)).OrderBy(q => q.Key).Select(q => $"{q.Key}: {q.Value}")));
        await AssertIndexedOnceAsync(files.Count);
    }

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
}

/// <summary>Tests that restart Postgres or RabbitMQ run alone, when no other test uses them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestarts
{
    public const string Name = "server restarts";
}
