using System.Diagnostics;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Two replicas of each indexing service (Ingest, Transcription, AcousticEmbedding, ImageEmbedding) against one
/// database and broker, on the fixture models: every file is indexed once, also when one replica of each is killed
/// (kill -9) halfway and started again. Done when the facts say so: every item at a final stage and every queue of
/// the deployment empty.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class ReplicaFlowTests() : IndexedFolderTests("replica-flow")
{
    private const int Tones = 145, Videos = 10;

    private static readonly string[] Projects = ["BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding"];

    [Fact]
    public async Task Two_replicas_of_each_service_index_every_file_once_through_a_kill_of_one_of_each()
    {
        LinkFixtureModels();
        // 300 files: 145 tones of different pitch and length, 145 images of different colours, 10 videos with sound
        // (4 frames each), made in parallel.
        var made = new List<(string Path, string[] Arguments)>();
        for (var i = 0; i < Tones; i++)
        {
            var tone = Made + $"/tone-{i:D3}.wav";
            made.Add((tone, ["-f", "lavfi", "-i", $"sine=frequency={200 + 17 * i}:duration={1 + i % 3}", "-ar", "16000", tone]));
            var image = Made + $"/colour-{i:D3}.png";
            made.Add((image, ["-f", "lavfi", "-i", $"color=0x{i:X2}{255 - i:X2}{i * 7 % 256:X2}:s=48x32", "-frames:v", "1", image]));
        }
        for (var v = 0; v < Videos; v++)
        {
            var video = Made + $"/video-{v}.mp4";
            made.Add((video, ["-f", "lavfi", "-i", $"testsrc=s={64 + 8 * v}x48:d=2", "-f", "lavfi", "-i", $"sine=frequency={500 + 100 * v}:d=2",
                "-shortest", "-pix_fmt", "yuv420p", video]));
        }
        Parallel.ForEach(made, new ParallelOptions { MaxDegreeOfParallelism = 4 }, file => TestMedia.Ffmpeg(file.Arguments));
        var files = made.Select(f => f.Path).ToList();
        Assert.Equal(300, files.Count);
        var extra = new Dictionary<string, string>
        {
            ["BREWCLIP__Ingest__LeaseCheckIntervalMs"] = "500",
            // A message lost between an instance's commit and its publish (killed there) is published again soon.
            ["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "5",
            ["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "2",
        };
        var first = new List<ServiceProcess>();
        foreach (var project in Projects)
        {
            first.Add((await StartAsync(project, extra)).Service);
            await StartAsync(project, extra);
        }

        foreach (var file in files[..150])
        {
            File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
        }
        await WaitAsync(async () => await Db.ScalarAsync<long>("""
            select (select count(*) from brewclip.recordings where stage = 'embedded') + (select count(*) from brewclip.images where stage = 'embedded')
            """) >= 40, "the first items to be embedded", TimeSpan.FromMinutes(5));

        // kill -9 one replica of each service mid-flow, drop the rest of the files, and start a replacement of each.
        foreach (var service in first)
        {
            await service.KillAsync();
        }
        foreach (var file in files[150..])
        {
            File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
        }
        foreach (var project in Projects)
        {
            await StartAsync(project, extra);
        }

        // Settled: every file seen, every item at a final stage, and every queue of the deployment empty.
        await WaitAsync(async () =>
            await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == files.Count
            && await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage not in ('embedded', 'failed')") == 0
            && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage not in ('embedded', 'failed')") == 0
            && (await RabbitMqManagement.QueuesAsync(Prefix)).Values.All(messages => messages == 0),
            "every file to be indexed and every queue to drain", TimeSpan.FromMinutes(10));

        Assert.Equal(files.Count, await Db.ScalarAsync<long>("select count(*) from brewclip.media"));
        Assert.Equal([$"recordings:{Tones + Videos}:embedded", $"images:{Tones + 4 * Videos}:embedded"], await Db.ColumnAsync<string>("""
            select 'recordings:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.recordings
            union all
            select 'images:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.images
            """));
        // One vector per segment and per image, and a transcript and text features for every segment.
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.recording_segments"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.recording_segments"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.featured_segments"));
        Assert.Equal(Tones + Videos, await Db.ScalarAsync<long>("select count(*) from brewclip.transcripts"));
        Assert.Equal(Tones + 4 * Videos, await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"));
        // Nothing faulted: the error queues are empty or were never made.
        Assert.All((await RabbitMqManagement.QueuesAsync(Prefix)).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)),
            q => Assert.Equal(0, q.Value));
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(Services.Any(s => s.HasExited && !s.Stopped), $"a service exited while waiting for {what}.\n{string.Join('\n', Services)}");
            Assert.True(clock.Elapsed < limit, $"timed out waiting for {what}.\n{string.Join('\n', Services.Where(s => !s.Stopped))}");
            await Task.Delay(250);
        }
    }
}
