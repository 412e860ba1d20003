using System.Diagnostics;
using Xunit.Abstractions;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A promotion over an index that holds media in every state the services produce, all made by the real services
/// from files (Ingest, Transcription, AcousticEmbedding, ImageEmbedding, Training, fixture models): accepted files; a
/// file overwritten with new content and one written in two parts (each first content embedded, then replaced, its
/// cached features left behind); files that are not media (rejected); files whose stored artifacts were lost before
/// they were embedded (failed); files deleted from the inbox after indexing (their media stays, searchable); and files
/// still in flight (ingested, not yet transcribed) while the backfill runs. The version must become active, with one
/// vector of it for each segment of every searchable recording and for every searchable image, and none for the rest.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class MixedIndexPromotionTests(ITestOutputHelper output) : FileFlowTests("mixed-promotion")
{
    /// <summary>The files searchable at the end, by their names in the inbox (a video is one recording and four frames).</summary>
    private static readonly string[] SearchableAudio = ["tone-0.wav", "tone-1.wav", "tone-2.wav", "tone-3.wav", "clip.mp4", "over.wav", "gone.wav", "parts.wav",
        "late-0.wav", "late-1.wav", "late-2.wav"];

    private static readonly string[] SearchableImages = ["colour-0.png", "colour-1.png", "colour-2.png", "colour-3.png", "clip.mp4", "over.png", "gone.png",
        "late-0.png", "late-1.png", "late-2.png"];

    [Fact]
    public Task A_promotion_over_an_index_in_every_state_becomes_active_with_one_vector_per_searchable_item() => PromoteOverEveryStateAsync(replicas: 1);

    [Fact]
    public Task With_two_replicas_of_each_embedding_service_a_promotion_over_every_state_ends_the_same() => PromoteOverEveryStateAsync(replicas: 2);

    private async Task PromoteOverEveryStateAsync(int replicas)
    {
        LinkFixtureModels();
        var settings = RecoverySettings();
        settings["BREWCLIP__Backfill__BatchSize"] = "3";
        settings["BREWCLIP__Backfill__PollSeconds"] = "2";
        settings["BREWCLIP__Training__PromotionPollSeconds"] = "2";
        MakeMixedMedia();

        // Ingest alone first, so two files can lose their stored artifacts before any service reads them.
        await StartAsync("BrewClip.Ingest", settings);
        DropMade(["tone-0.wav", "tone-1.wav", "tone-2.wav", "tone-3.wav", "colour-0.png", "colour-1.png", "colour-2.png", "colour-3.png", "clip.mp4",
            "over.wav", "over.png", "gone.wav", "gone.png", "lost.wav", "lost.png", "broken.wav", "broken.png"]);
        var parts = await File.ReadAllBytesAsync(Path.Combine(Made, "parts.wav"));
        await File.WriteAllBytesAsync(Path.Combine(Inbox, "parts.wav"), parts[..(parts.Length / 2)]);
        await WaitAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == 18
                && await Db.ScalarAsync<long>("select count(*) from brewclip.media where status = 'pending'") == 0,
            "Ingest to read the first 18 files");
        Assert.Equal(["broken.png", "broken.wav"], await Db.ColumnAsync<string>("""
            select s.object_key from brewclip.media_sources s join brewclip.media m on m.id = s.media_id where m.status = 'rejected' order by 1
            """));
        foreach (var uri in await Db.ColumnAsync<string>($"""
            select r.pcm_uri from brewclip.recordings r where r.media_id = {await MediaOfAsync("lost.wav")}
            union all select u from brewclip.images i, unnest(array[i.image_uri, i.clip_crop_uri]) u where i.media_id = {await MediaOfAsync("lost.png")} and u is not null
            """))
        {
            File.Delete(new Uri(uri).LocalPath);
        }

        var transcription = (await StartAsync("BrewClip.Transcription", settings)).Service;
        for (var i = 0; i < replicas; i++)
        {
            await StartAsync("BrewClip.AcousticEmbedding", settings);
            await StartAsync("BrewClip.ImageEmbedding", settings);
        }
        await SettledAsync(18);
        Assert.Equal(["image failed", "recording failed"], await Db.ColumnAsync<string>("""
            select 'recording ' || stage from brewclip.recordings where stage = 'failed'
            union all select 'image ' || stage from brewclip.images where stage = 'failed' order by 1
            """));

        // Embedded content replaced: a file overwritten, the rest of a file written in two parts, and two files deleted.
        var firstParts = await MediaOfAsync("parts.wav");
        var firstOver = new[] { await MediaOfAsync("over.wav"), await MediaOfAsync("over.png") };
        var gone = new[] { await MediaOfAsync("gone.wav"), await MediaOfAsync("gone.png") };
        await using (var append = new FileStream(Path.Combine(Inbox, "parts.wav"), FileMode.Append, FileAccess.Write))
        {
            await append.WriteAsync(parts.AsMemory(parts.Length / 2));
        }
        File.Copy(Path.Combine(Made, "over-again.wav"), Path.Combine(Inbox, "over.wav"), overwrite: true);
        File.Copy(Path.Combine(Made, "over-again.png"), Path.Combine(Inbox, "over.png"), overwrite: true);
        File.Delete(Path.Combine(Inbox, "gone.wav"));
        File.Delete(Path.Combine(Inbox, "gone.png"));
        var replaced = new[] { firstParts, firstOver[0], firstOver[1] };
        await WaitAsync(async () => await Db.ScalarAsync<long>($"select count(*) from brewclip.media where status = 'replaced' and id in ({string.Join(",", replaced)})") == 3,
            "the first contents of parts.wav and over.* to be replaced");
        await SettledAsync(18);
        // What made promotions spin: replaced media whose cached features stay behind.
        Assert.Equal(2L, await Db.ScalarAsync<long>($"""
            select count(*) from brewclip.featured_segments s join brewclip.recordings r on r.id = s.recording_id where r.media_id in ({string.Join(",", replaced)})
            """));
        Assert.Equal(1L, await Db.ScalarAsync<long>($"""
            select count(*) from brewclip.image_features f join brewclip.images i on i.id = f.image_id where i.media_id in ({string.Join(",", replaced)})
            """));

        // Transcription stops, so files dropped now stay in flight through the whole promotion.
        transcription.Terminate();
        Assert.True(await transcription.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"Transcription did not stop on SIGTERM.\n{transcription}");
        DropMade(["late-0.wav", "late-1.wav", "late-2.wav", "late-0.png", "late-1.png", "late-2.png"]);
        await WaitAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == 24,
            "Ingest to read the late files");
        await StartAsync("BrewClip.Training", settings);
        var heads = PromotionStack.WriteHeadsTo(Path.Combine(Work, "heads-v1"));
        var clock = Stopwatch.StartNew();
        await using var promote = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort(), settings), null, "models", "promote", heads, "--wait");
        Assert.True(await promote.WaitForExitAsync(TimeSpan.FromMinutes(3)), $"the promotion did not end within 3 minutes.\n{promote}\n{string.Join('\n', Services)}");
        var toActive = clock.Elapsed;
        Assert.True(promote.ExitCode == 0, promote + string.Join("\n", Services));
        Assert.Equal("active", await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 1"));
        output.WriteLine($"{replicas} replica(s) of each embedding service: version 1 active {toActive.TotalSeconds:F1} s after `models promote --wait` started");
        Assert.Equal(3L, await Db.ScalarAsync<long>($"""
            select count(*) from brewclip.recordings r where r.stage = 'ingested' and r.media_id in ({string.Join(",", await MediasOfAsync("late-0.wav", "late-1.wav", "late-2.wav"))})
            """));
        // Each backfill finished with its real counts.
        Assert.Equal(["audio", "image"], await Db.ColumnAsync<string>("""
            select kind from brewclip.backfills where model_version = 1 and finished_at is not null and done = total order by kind
            """));

        // The files in flight go through with the version now active.
        await StartAsync("BrewClip.Transcription", settings);
        await SettledAsync(24);

        var audioMedia = await MediasOfAsync(SearchableAudio.Where(k => k is not ("gone.wav")).ToArray());
        audioMedia.Add(gone[0]);
        var imageMedia = await MediasOfAsync(SearchableImages.Where(k => k is not ("gone.png")).ToArray());
        imageMedia.Add(gone[1]);
        var expectedSegments = await Db.ColumnAsync<string>($"""
            select s.recording_id || ':' || s.segment_index from brewclip.recording_segments s join brewclip.recordings r on r.id = s.recording_id
            where r.media_id in ({string.Join(",", audioMedia)}) order by 1
            """);
        var expectedImages = await Db.ColumnAsync<long>($"select id from brewclip.images where media_id in ({string.Join(",", imageMedia)}) order by 1");
        // Eleven recordings (four tones, the video's sound, the new over.wav, the deleted gone.wav, the whole parts.wav, three late ones), one
        // 30 s window each; thirteen images (four colours, the video's four frames, the new over.png, gone.png, three late ones).
        Assert.Equal(11, expectedSegments.Count);
        Assert.Equal(13, expectedImages.Count);
        Assert.Equal(expectedSegments, await Db.ColumnAsync<string>(
            "select recording_id || ':' || segment_index from brewclip.audio_vectors where model_version = 1 order by 1"));
        Assert.Equal(expectedImages, await Db.ColumnAsync<long>("select image_id from brewclip.image_vectors where model_version = 1 order by 1"));
        // The index's status says the same: replaced content is counted as replaced, not embedded.
        Assert.Equal(["image embedded 13", "image failed 1", "image replaced 1", "recording embedded 11", "recording failed 1", "recording replaced 2"],
            await Db.ColumnAsync<string>("select kind || ' ' || stage || ' ' || items from brewclip.index_status where kind in ('image', 'recording') order by 1"));
    }

    private async Task<long> MediaOfAsync(string key)
        => await Db.ScalarAsync<long>($"select media_id from brewclip.media_sources where source_name = 'inbox' and object_key = '{key}'");

    private async Task<List<long>> MediasOfAsync(params string[] keys)
    {
        var ids = new List<long>();
        foreach (var key in keys)
        {
            ids.Add(await MediaOfAsync(key));
        }
        return ids;
    }

    /// <summary>Every file the test drops, made in Made: tones and colours of their own, a video with sound, files that are not media.</summary>
    private void MakeMixedMedia()
    {
        var made = new List<string[]>();
        void Tone(string name, int hz, double seconds) => made.Add(["-f", "lavfi", "-i", $"sine=frequency={hz}:duration={seconds}", "-ar", "16000", Path.Combine(Made, name)]);
        void Colour(string name, string colour) => made.Add(["-f", "lavfi", "-i", $"color=c={colour}:s=48x32", "-frames:v", "1", Path.Combine(Made, name)]);
        string[] colours = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple", "cyan", "gray", "pink", "brown", "navy", "olive"];
        var n = 0;
        foreach (var stem in new[] { "tone-0", "tone-1", "tone-2", "tone-3", "over", "over-again", "gone", "lost", "late-0", "late-1", "late-2" })
        {
            Tone(stem + ".wav", 220 + 45 * n, 1 + n % 3);
            n++;
        }
        n = 0;
        foreach (var stem in new[] { "colour-0", "colour-1", "colour-2", "colour-3", "over", "over-again", "gone", "lost", "late-0", "late-1", "late-2" })
        {
            Colour(stem + ".png", colours[n++]);
        }
        Tone("parts.wav", 1234, 4);
        made.Add(["-f", "lavfi", "-i", "testsrc=s=64x48:d=2", "-f", "lavfi", "-i", "sine=frequency=660:d=2", "-shortest", "-pix_fmt", "yuv420p", Path.Combine(Made, "clip.mp4")]);
        Parallel.ForEach(made, new ParallelOptions { MaxDegreeOfParallelism = 4 }, arguments => TestMedia.Ffmpeg(arguments));
        var random = new Random(5);
        foreach (var name in new[] { "broken.wav", "broken.png" })
        {
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(Made, name), bytes);
        }
    }

    private void DropMade(params string[] names) => Drop(names.Select(name => Path.Combine(Made, name)));
}
