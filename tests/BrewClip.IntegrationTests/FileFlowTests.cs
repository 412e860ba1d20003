using System.Diagnostics;
using Npgsql;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Flows of many files through the four indexing services, for the replica and fault tests: the media, the settings
/// that let a flow recover from a kill, and the facts that say it settled and indexed each file once.
/// </summary>
public abstract class FileFlowTests(string name) : IndexedFolderTests(name)
{
    /// <summary>Tones (one recording each), images and videos (a recording and 4 frames each): 2 x tones + videos files.</summary>
    protected const int Tones = 145, Videos = 10;

    protected static readonly string[] IndexingServices = ["BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding"];

    /// <summary>
    /// Settings for services that get killed: Ingest's leases checked often, and a message lost between a commit and
    /// its publish (a kill there, or the broker away) published again soon.
    /// </summary>
    protected static Dictionary<string, string> RecoverySettings() => new()
    {
        ["BREWCLIP__Ingest__LeaseCheckIntervalMs"] = "500",
        ["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "5",
        ["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "2",
    };

    private S3rverProcess? _s3;

    /// <summary>The scratch folder of the S3 artifact store's services.</summary>
    protected string ArtifactScratch => Path.Combine(Work, "artifact-scratch");

    /// <summary>Settings that put the deployment's artifacts in a bucket of an s3rver started for the test.</summary>
    protected async Task<Dictionary<string, string>> S3ArtifactSettingsAsync()
    {
        _s3 ??= await S3rverProcess.StartAsync("artifacts");
        return _s3.ArtifactSettings("artifacts", "deployment", ArtifactScratch);
    }

    /// <summary>The keys of the objects in the artifact bucket.</summary>
    protected Task<List<string>> ArtifactKeysAsync() => _s3!.KeysAsync("artifacts");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }
    }

    /// <summary>Tones of different pitch and length, images of different colours and videos with sound, made in parallel; returns their paths.</summary>
    protected List<string> MakeMedia()
    {
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
        return made.Select(f => f.Path).ToList();
    }

    protected void Drop(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
        }
    }

    protected Task<long> EmbeddedAsync() => Db.ScalarAsync<long>("""
        select (select count(*) from brewclip.recordings where stage = 'embedded') + (select count(*) from brewclip.images where stage = 'embedded')
        """);

    /// <summary>Waits until every file is seen, every item is at a final stage and every queue of the deployment is empty.</summary>
    protected Task SettledAsync(int files) => WaitAsync(async () =>
            await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == files
            && await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage not in ('embedded', 'failed')") == 0
            && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage not in ('embedded', 'failed')") == 0
            && (await RabbitMqManagement.QueuesAsync(Prefix)).Values.All(messages => messages == 0),
        "every file to be indexed and every queue to drain", wholeFlow: true);

    /// <summary>Each file a medium, every item embedded with one vector, a transcript and text features per segment, no faults.</summary>
    protected async Task AssertIndexedOnceAsync(int files)
    {
        Assert.Equal(files, await Db.ScalarAsync<long>("select count(*) from brewclip.media"));
        Assert.Equal([$"images:{Tones + 4 * Videos}:embedded", $"recordings:{Tones + Videos}:embedded"], await Db.ColumnAsync<string>("""
            select 'recordings:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.recordings
            union all
            select 'images:' || count(*) || ':' || string_agg(distinct stage, ',') from brewclip.images
            order by 1
            """));
        var segments = await Db.ScalarAsync<long>("select count(*) from brewclip.recording_segments");
        Assert.Equal(segments, await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"));
        Assert.Equal(segments, await Db.ScalarAsync<long>("select count(*) from brewclip.featured_segments"));
        Assert.Equal(Tones + Videos, await Db.ScalarAsync<long>("select count(*) from brewclip.transcripts"));
        Assert.Equal(Tones + 4 * Videos, await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"));
        // Nothing faulted: the error queues are empty or were never made.
        Assert.All((await RabbitMqManagement.QueuesAsync(Prefix)).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)),
            q => Assert.Equal(0, q.Value));
    }

    /// <summary>Waits for a fact, watching the deployment's services; a query a database restart breaks counts as not yet.</summary>
    protected Task WaitAsync(Func<Task<bool>> condition, string what, bool wholeFlow = false)
        => Eventually.UntilAsync(condition, what, Services, state: null, retryDatabaseErrors: true, patience: wholeFlow ? Eventually.FlowPatience : null);
}
