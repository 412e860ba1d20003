using System.Diagnostics;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Media;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Ingest reading an S3 bucket (s3rver) beside a folder: under its prefix, once, with its cursor kept across a
/// restart, and hundreds of objects in both at once becoming exactly the expected rows and messages.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class IngestBucketTests() : WatchedFolderTests("ingest")
{
    [Fact]
    public async Task An_s3_bucket_is_read_under_its_prefix_once_with_its_cursor_kept_across_a_restart()
    {
        await using var s3 = await S3rverProcess.StartAsync("media");
        using var client = s3.Client();
        Task PutAsync(string key, string file) => s3.PutAsync(client, "media", key, file);
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=teal:s=48x32", "-frames:v", "1", Made + "/horse.png");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=navy:s=48x32", "-frames:v", "1", Made + "/early.png");
        File.WriteAllText(Made + "/horse.txt", "A horse jumps over the fence.");
        File.WriteAllBytes(Made + "/broken.mp4", RandomBytes(3000, seed: 2));
        await PutAsync("drop/horse.wav", TestMedia.Speak(Made, "horse", "a horse jumps over the fence", 22_050));
        await PutAsync("drop/horse.txt", Made + "/horse.txt");
        await PutAsync("drop/horse.png", Made + "/horse.png");
        await PutAsync("drop/deep/copy.png", Made + "/horse.png");
        await PutAsync("drop/broken.mp4", Made + "/broken.mp4");
        await PutAsync("elsewhere/not-watched.png", Made + "/early.png");

        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        WatchBucket(settings, s3);
        settings["BREWCLIP__Ingest__PollIntervalMs"] = "300";
        settings["BREWCLIP__Ingest__RescanIntervalMs"] = "2000";
        await using var recorder = await MessageRecorder.StartAsync(settings);
        await using (var first = ServiceProcess.Start("BrewClip.Ingest", settings))
        {
            Assert.True(await first.WaitForReadyAsync(port) is not null, first.ToString());
            // Messages follow the commit, so wait for them too before stopping the service.
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 4
                && recorder.Messages.Recordings.Count + recorder.Messages.Images.Count >= 2, "the bucket's objects and their messages", first);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), first.ToString());
        }
        Assert.Equal(["audio:accepted", "image:accepted", "unknown:rejected"], await Db.ColumnAsync<string>("select kind || ':' || status from brewclip.media order by 1"));
        Assert.Equal(["drop/broken.mp4", "drop/deep/copy.png", "drop/horse.png", "drop/horse.wav"],
            await Db.ColumnAsync<string>("select object_key from brewclip.media_sources where source_name = 'bucket' order by 1"));
        Assert.Equal("s3://media/drop/", await Db.ScalarAsync<string>("select location from brewclip.sources where name = 'bucket'"));
        Assert.Equal("drop/horse.wav", await Db.ScalarAsync<string>("select cursor from brewclip.sources where name = 'bucket'"));
        Assert.Equal("A horse jumps over the fence.", await Db.ScalarAsync<string>("select text from brewclip.sidecar_transcripts"));
        Assert.Equal(["stem"], await Db.ColumnAsync<string>("select origin from brewclip.pairs"));
        var messagesBefore = recorder.Messages.Recordings.Count + recorder.Messages.Images.Count;
        Assert.Equal(2, messagesBefore);

        // Restarted, it reads nothing twice, and a key that sorts before the cursor is found by the full listing.
        await PutAsync("drop/a-early.png", Made + "/early.png");
        var restarted = DateTimeOffset.UtcNow;
        var (recordingsBefore, imagesBefore) = (recorder.Messages.Recordings.Count, recorder.Messages.Images.Count);
        await using var second = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await second.WaitForReadyAsync(port) is not null, second.ToString());
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 5, "the early key", second);
        // Nothing more is coming: a full listing begun after the restart found nothing left, and what the second run published has arrived.
        await Settling.CaughtUpAsync(Db, restarted, ["inbox", "bucket"], "both sources to be caught up", second);
        await Settling.FlowAsync("the second run's messages to arrive", [second], observers:
        [
            (MessageCounts.MessageName(typeof(RecordingIngested)), () => recorder.Messages.Recordings.Count - recordingsBefore),
            (MessageCounts.MessageName(typeof(ImageIngested)), () => recorder.Messages.Images.Count - imagesBefore),
        ]);
        Assert.Equal(5L, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'"));
        Assert.Equal(4L, await Db.ScalarAsync<long>("select count(*) from brewclip.media"));
        Assert.Equal(messagesBefore + 1, recorder.Messages.Recordings.Count + recorder.Messages.Images.Count);
        Assert.Equal("drop/horse.wav", await Db.ScalarAsync<string>("select cursor from brewclip.sources where name = 'bucket'"));

        // A sidecar listed on its own, the cursor moved past it, and then its audio: the audio still takes it.
        File.WriteAllText(Made + "/zebra.txt", "A zebra crosses the plain.");
        await PutAsync("drop/zebra.txt", Made + "/zebra.txt");
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("select cursor from brewclip.sources where name = 'bucket'") == "drop/zebra.txt",
            "the cursor to pass the sidecar", second);
        await PutAsync("drop/zebra.wav", TestMedia.Speak(Made, "zebra", "a zebra crosses the plain", 22_050));
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 6, "the zebra audio", second);
        Assert.Equal("A zebra crosses the plain.", await Db.ScalarAsync<string>("""
            select t.text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id
            join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'drop/zebra.wav'
            """));

        // A sidecar rewritten after its audio was read: the recording takes the new text and is published again.
        var horseMessages = recorder.Messages.Recordings.Count;
        File.WriteAllText(Made + "/horse.txt", "A horse leaps over a low fence.");
        await PutAsync("drop/horse.txt", Made + "/horse.txt");
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("""
            select t.text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id
            join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'drop/horse.wav'
            """) == "A horse leaps over a low fence.", "the rewritten sidecar", second);
        await Eventually.UntilAsync(() => Task.FromResult(recorder.Messages.Recordings.Count > horseMessages), "the recording to be published again", second);
        Assert.Equal(1L, await SidecarTranscriptsOfAsync([recorder.Messages.Recordings.Last()]));
    }

    [Fact]
    public async Task Two_hundred_objects_in_a_folder_and_a_bucket_at_once_become_exactly_the_expected_rows_and_messages()
    {
        // Each object is made in `Made` and goes to the folder (Inbox) or the bucket (under drop/) at the same relative key.
        var objects = new List<(string Key, string File, bool Bucket)>();
        void Add(string key, string file, bool bucket) => objects.Add((key, file, bucket));
        string M(string name) => Path.Combine(Made, name.Replace('/', '_'));

        // Spoken audio in three formats; four of the sentences with a sidecar transcript (uploaded first).
        var sidecars = new List<(string Key, string File, bool Bucket)>();
        var sentences = new[] { "the boat sails at dawn", "a child laughs in the park", "rain falls on the roof", "the old clock strikes nine",
            "bees hum among the flowers", "a truck backs into the yard", "snow covers the quiet street", "the baker slices warm bread",
            "two owls call in the night", "waves crash against the rocks", "a kite rises over the hill", "the kettle whistles loudly" };
        for (var i = 0; i < sentences.Length; i++)
        {
            var wav = TestMedia.Speak(Made, $"s{i}", sentences[i], 22_050);
            TestMedia.Ffmpeg("-i", wav, M($"s{i}.mp3"));
            TestMedia.Ffmpeg("-i", wav, M($"s{i}.flac"));
            foreach (var extension in new[] { "wav", "mp3", "flac" })
            {
                Add($"speech/s{i}.{extension}", M($"s{i}.{extension}"), i % 2 == 1);
            }
            if (i < 4)
            {
                File.WriteAllText(M($"s{i}.txt"), sentences[i] + ".");
                sidecars.Add(($"speech/s{i}.txt", M($"s{i}.txt"), i % 2 == 1));
            }
        }
        // Pairs by stem: a tone and a picture named alike.
        for (var i = 0; i < 10; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"sine=frequency={300 + 40 * i}:duration=2", M($"pair{i}.wav"));
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{25 * i:X2}8020:s=40x30", "-frames:v", "1", M($"pair{i}.jpg"));
            Add($"pairs/pair{i}.wav", M($"pair{i}.wav"), i % 2 == 1);
            Add($"pairs/pair{i}.jpg", M($"pair{i}.jpg"), i % 2 == 1);
        }
        // Images in five formats.
        var formats = new[] { "png", "jpg", "webp", "gif", "bmp" };
        for (var i = 0; i < 89; i++)
        {
            var name = $"img{i}.{formats[i % 5]}";
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 2:X2}{255 - i * 2:X2}{i * 37 % 256:X2}:s=36x24", "-frames:v", "1", M(name));
            Add(name, M(name), i % 2 == 1);
        }
        // Videos: ten with audio, ten without (MKV and WebM).
        for (var i = 0; i < 20; i++)
        {
            var name = i < 10 ? $"v{i}.mp4" : $"v{i}.{(i % 2 == 0 ? "mkv" : "webm")}";
            if (i < 10)
            {
                TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=48x32:d=2", "-f", "lavfi", "-i", $"sine=frequency={500 + 30 * i}:duration=2", "-shortest", "-pix_fmt", "yuv420p", M(name));
            }
            else
            {
                TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 9:X2}30{i * 5:X2}:s=48x32:d=2", M(name));
            }
            Add($"video/{name}", M(name), i % 2 == 1);
        }
        // Duplicates: ten images again, in the other source.
        for (var i = 10; i < 20; i++)
        {
            var name = $"img{i}.{formats[i % 5]}";
            Add($"dup/{name}", M(name), i % 2 == 0);
        }
        // Twenty bad files of different kinds, each with the reason it must get.
        var bad = new Dictionary<string, string>();
        void Bad(string key, string file, string reason, bool bucket)
        {
            Add(key, file, bucket);
            bad[key] = reason;
        }
        File.WriteAllBytes(M("empty.wav"), []);
        Bad("bad/empty.wav", M("empty.wav"), "the file is empty", false);
        foreach (var (name, i) in new[] { "noise.jpg", "noise.wav", "noise.mkv", "noise.flac", "noise.png" }.Select((n, i) => (n, i)))
        {
            File.WriteAllBytes(M(name), RandomBytes(2000 + i, seed: 10 + i));
            Bad($"bad/{name}", M(name), "not a media file ffprobe can read", i % 2 == 1);
        }
        foreach (var (name, i) in new[] { "text.mp3", "text.png", "text.webm", "text.gif", "text.mp4" }.Select((n, i) => (n, i)))
        {
            File.WriteAllText(M(name), $"This is text number {i}, not media.");
            Bad($"bad/{name}", M(name), "not a media file ffprobe can read", i % 2 == 0);
        }
        for (var i = 0; i < 2; i++)
        {
            File.WriteAllBytes(M($"cut{i}.png"), File.ReadAllBytes(M($"img{i * 5}.png"))[..60]);
            Bad($"bad/cut{i}.png", M($"cut{i}.png"), "truncated or corrupt", i == 1);
            File.WriteAllBytes(M($"cut{i}.mp4"), File.ReadAllBytes(M($"v{i}.mp4"))[..1000]);
            Bad($"bad/cut{i}.mp4", M($"cut{i}.mp4"), "not a media file ffprobe can read", i == 0);
        }
        for (var i = 0; i < 3; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"sine=frequency={100 + i}:duration=70", "-ac", "1", M($"long{i}.flac"));
            Bad($"bad/long{i}.flac", M($"long{i}.flac"), "over the limit of 60 s", i == 1);
        }
        for (var i = 0; i < 2; i++)
        {
            File.WriteAllText(M($"sub{i}.srt"), $"1\n00:00:00,000 --> 00:00:01,000\nonly words {i}\n");
            TestMedia.Ffmpeg("-i", M($"sub{i}.srt"), M($"sub{i}.mkv"));
            Bad($"bad/sub{i}.mkv", M($"sub{i}.mkv"), "has no audio, image or video stream", i == 0);
        }
        // A pair list in the folder: three rows that pair and one whose audio never comes.
        File.WriteAllText(M("pairs.csv"), "audio,image\nspeech/s0.wav,img0.png\nspeech/s2.mp3,img2.webp\nspeech/s4.flac,img4.bmp\nmissing.wav,img6.jpg\n");
        Add("pairs.csv", M("pairs.csv"), false);
        Assert.Equal(20, bad.Count);
        Assert.Equal(200, objects.Count + sidecars.Count);

        await using var s3 = await S3rverProcess.StartAsync("media");
        using var client = s3.Client();
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        WatchBucket(settings, s3);
        settings["BREWCLIP__Ingest__PollIntervalMs"] = "500";
        settings["BREWCLIP__Ingest__MaxDurationSeconds"] = "60";
        await using var recorder = await MessageRecorder.StartAsync(settings);
        await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());

        // Delivered while the watchers run: sidecars first, then everything else in a shuffled order.
        foreach (var (key, file, bucket) in sidecars.Concat(objects.OrderBy(o => o.Key.GetHashCode(StringComparison.Ordinal))))
        {
            if (bucket)
            {
                await s3.PutAsync(client, "media", "drop/" + key, file);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Inbox, key))!);
                File.Copy(file, Path.Combine(Inbox, key));
            }
        }

        var allWritten = DateTimeOffset.UtcNow;
        var mediaObjects = objects.Count - 1; // all but pairs.csv
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") >= mediaObjects
            && recorder.Messages.Recordings.Count >= 56 && recorder.Messages.Images.Count >= 179
            && await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'") >= 3, "all 200 objects", service);
        await Settling.CaughtUpAsync(Db, allWritten, ["inbox", "bucket"], "both sources to be caught up", service);
        await Settling.FlowAsync("Ingest's messages to arrive", [service], observers: recorder.Observers);

        Assert.Equal(mediaObjects, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources"));
        Assert.Equal(["audio:accepted:46", "audio:rejected:3", "image:accepted:99", "unknown:rejected:17", "video:accepted:20"],
            await Db.ColumnAsync<string>("select kind || ':' || status || ':' || count(*) from brewclip.media group by kind, status order by 1"));
        Assert.Equal(56L, await Db.ScalarAsync<long>("select count(*) from brewclip.recordings"));
        Assert.Equal(179L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
        Assert.Equal(80L, await Db.ScalarAsync<long>("select count(*) from brewclip.images where frame_index is not null"));
        Assert.Equal(["pairs_csv:3", "stem:10", "video:40"], await Db.ColumnAsync<string>("select origin || ':' || count(*) from brewclip.pairs group by origin order by 1"));
        Assert.Equal(1L, await Db.ScalarAsync<long>("select count(*) from brewclip.pair_claims where pair_id is null"));
        Assert.Equal(12L, await Db.ScalarAsync<long>("select count(*) from brewclip.sidecar_transcripts"));
        Assert.Equal(10L, await Db.ScalarAsync<long>("select count(*) from (select media_id from brewclip.media_sources group by media_id having count(*) = 2 and count(distinct source_name) = 2) d"));
        foreach (var (key, reason) in bad)
        {
            var source = objects.Single(o => o.Key == key).Bucket ? "bucket" : "inbox";
            var stored = await Db.ScalarAsync<string>($"select m.rejection_reason from brewclip.media m join brewclip.media_sources s on s.media_id = m.id where s.source_name = '{source}' and s.object_key = '{(source == "bucket" ? "drop/" : "")}{key}'");
            Assert.True(stored.Contains(reason, StringComparison.Ordinal), $"{key}: '{stored}' does not say '{reason}'");
        }
        Assert.Equal(await Db.ColumnAsync<long>("select id from brewclip.recordings order by id"), recorder.Messages.Recordings.Select(m => m.RecordingId).Order().ToList());
        Assert.Equal(await Db.ColumnAsync<long>("select id from brewclip.images order by id"), recorder.Messages.Images.Select(m => m.ImageId).Order().ToList());
        Assert.Equal(12L, await SidecarTranscriptsOfAsync(recorder.Messages.Recordings));
    }

    /// <summary>Ingest also watches the s3rver bucket "media" under drop/, as source "bucket".</summary>
    private static void WatchBucket(Dictionary<string, string> settings, S3rverProcess s3)
    {
        settings["BREWCLIP__Ingest__Buckets__0__Name"] = "bucket";
        settings["BREWCLIP__Ingest__Buckets__0__ServiceUrl"] = s3.Url;
        settings["BREWCLIP__Ingest__Buckets__0__Bucket"] = "media";
        settings["BREWCLIP__Ingest__Buckets__0__Prefix"] = "drop/";
        settings["BREWCLIP__Ingest__Buckets__0__ForcePathStyle"] = "true";
        settings["BREWCLIP__Ingest__Buckets__0__AccessKey"] = S3rverProcess.AccessKey;
        settings["BREWCLIP__Ingest__Buckets__0__SecretKey"] = S3rverProcess.AccessKey;
    }
}
