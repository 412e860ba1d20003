using System.Diagnostics;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Media;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The real Ingest service watching a folder: files made with ffmpeg and espeak-ng become exactly the
/// expected media, recordings, images, frames, pairs and rejections, and each message is published once.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class IngestServiceTests() : WatchedFolderTests("ingest")
{
    [Fact]
    public async Task Audio_images_videos_duplicates_and_bad_files_become_exactly_the_expected_rows_and_messages()
    {
        // Made outside the watched folder, then copied in while the service runs.
        var wav = TestMedia.Speak(Made, "speech", "a dog runs on the grass", 22_050);
        TestMedia.Ffmpeg("-i", wav, Made + "/speech.mp3");
        TestMedia.Ffmpeg("-i", wav, Made + "/speech.flac");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=red:s=64x48", "-frames:v", "1", Made + "/red.png");
        foreach (var extension in new[] { "jpg", "webp", "gif", "bmp" })
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=80x60:d=1", "-frames:v", "1", $"{Made}/pattern.{extension}");
        }
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=2", "-f", "lavfi", "-i", "sine=d=2", "-shortest", "-pix_fmt", "yuv420p", Made + "/clip.mp4");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=2", Made + "/silent.mkv");
        TestMedia.Speak(Made, "dog", "the brown dog fetches a stick", 22_050);
        TestMedia.Speak(Made, "cat", "an orange cat watches the birds", 22_050);
        TestMedia.Speak(Made, "talk", "a bird sings in the morning", 22_050);
        TestMedia.Speak(Made, "late", "the train leaves at noon", 22_050);
        foreach (var (name, colour) in new[] { ("dog.png", "brown"), ("other-dog.png", "gray"), ("cat.webp", "orange"), ("photo.jpg", "yellow"), ("late-photo.png", "purple") })
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color={colour}:s=40x30", "-frames:v", "1", Path.Combine(Made, name));
        }
        File.WriteAllBytes(Made + "/outside.png", File.ReadAllBytes(Made + "/red.png")[..^1].Append((byte)0).ToArray());

        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        await using var recorder = await MessageRecorder.StartAsync(settings);
        await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());

        // A file written slowly in chunks: read once, after it is complete.
        var slowWriter = WriteSlowlyAsync(TestMedia.Speak(Made, "slow", "two cats sleep on a warm windowsill", 22_050), Path.Combine(Inbox, "slow.wav"));

        foreach (var name in new[] { "speech.wav", "speech.mp3", "speech.flac", "red.png", "pattern.jpg", "pattern.webp", "pattern.gif", "pattern.bmp", "clip.mp4", "silent.mkv" })
        {
            File.Copy(Path.Combine(Made, name), Path.Combine(Inbox, name));
        }
        Directory.CreateDirectory(Path.Combine(Inbox, "sub"));
        File.Copy(Path.Combine(Made, "red.png"), Path.Combine(Inbox, "sub", "copy-of-red.png")); // the same content again
        File.WriteAllBytes(Path.Combine(Inbox, "empty.wav"), []);
        File.WriteAllBytes(Path.Combine(Inbox, "noise.jpg"), RandomBytes(4000, seed: 1));
        File.WriteAllBytes(Path.Combine(Inbox, "truncated.png"), File.ReadAllBytes(Path.Combine(Made, "red.png"))[..60]);
        File.WriteAllText(Path.Combine(Inbox, "letter.mp3"), "Dear reader, this is not an MP3 file at all.\n");
        File.WriteAllText(Path.Combine(Inbox, "notes.txt"), "a sidecar-like text file that is not media");
        File.CreateSymbolicLink(Path.Combine(Inbox, "link-outside.png"), Path.Combine(Made, "outside.png"));
        // Pairs by stem, in either order, with sidecar transcripts; a same-named image in another folder does not pair.
        var pets = Directory.CreateDirectory(Path.Combine(Inbox, "pets")).FullName;
        Directory.CreateDirectory(Path.Combine(pets, "other"));
        File.Copy(Path.Combine(Made, "dog.png"), Path.Combine(pets, "dog.png"));
        File.Copy(Path.Combine(Made, "other-dog.png"), Path.Combine(pets, "other", "dog.png"));
        File.WriteAllText(Path.Combine(pets, "dog.txt"), "The brown dog fetches a stick.\n");
        File.WriteAllText(Path.Combine(pets, "cat.srt"), "1\n00:00:00,200 --> 00:00:01,900\nTwo cats sleep\n\n2\n00:00:02,000 --> 00:00:03,000\non a warm windowsill\n");
        File.Copy(Path.Combine(Made, "dog.wav"), Path.Combine(pets, "dog.wav"));
        File.Copy(Path.Combine(Made, "cat.wav"), Path.Combine(pets, "cat.wav"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'pets/cat.wav'") == 1, "the cat's recording", service);
        File.Copy(Path.Combine(Made, "cat.webp"), Path.Combine(pets, "cat.webp"));
        // Pairs listed in pairs.csv (keys relative to its folder), in either order; a row naming a file
        // that never arrives stays an open claim, and a malformed row is skipped.
        File.WriteAllText(Path.Combine(Inbox, "pairs.csv"),
            "audio,image\nlisted/talk.flac,listed/photo.jpg\n\"listed/late.wav\",listed/late-photo.png\nlisted/missing.wav,listed/photo.jpg\nthree,fields,here\n");
        var listed = Directory.CreateDirectory(Path.Combine(Inbox, "listed")).FullName;
        TestMedia.Ffmpeg("-i", Path.Combine(Made, "talk.wav"), Path.Combine(listed, "talk.flac"));
        File.Copy(Path.Combine(Made, "photo.jpg"), Path.Combine(listed, "photo.jpg"));
        File.Copy(Path.Combine(Made, "late-photo.png"), Path.Combine(listed, "late-photo.png"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'listed/late-photo.png'") == 1, "the listed photo", service);
        File.Copy(Path.Combine(Made, "late.wav"), Path.Combine(listed, "late.wav"));
        await slowWriter;
        var allWritten = DateTimeOffset.UtcNow;

        const int accepted = 3 + 1 + 2 + 2 + 5 + 3 + 2 + 2; // audio, the slow recording, the pets' and the listed audio, images, the pets' and the listed images, videos
        const int rejected = 4;
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") >= accepted + rejected
            && await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") >= accepted + rejected + 1
            && recorder.Messages.Recordings.Count >= 9 && recorder.Messages.Images.Count >= 18, "every file to be ingested", service);
        // Nothing more is coming: a scan begun after the last write found nothing left, and every message published has arrived.
        await Settling.CaughtUpAsync(Db, allWritten, ["inbox"], "the inbox to be caught up", service);
        await Settling.FlowAsync("Ingest's messages to arrive", [service], observers: recorder.Observers);

        Assert.Equal(accepted + rejected, await Db.ScalarAsync<long>("select count(*) from brewclip.media"));
        Assert.Equal(["audio:accepted:8", "image:accepted:10", "unknown:rejected:4", "video:accepted:2"],
            await Db.ColumnAsync<string>("select kind || ':' || status || ':' || count(*) from brewclip.media group by kind, status order by 1"));
        // The duplicate is one media item seen in two places; the text file and the outside link were not read.
        Assert.Equal(2L, await Db.ScalarAsync<long>("""
            select count(*) from brewclip.media_sources s join brewclip.media_sources o on o.media_id = s.media_id
            where s.object_key = 'red.png' and s.source_name = 'inbox'
            """));
        Assert.Equal(["sub/copy-of-red.png"], await Db.ColumnAsync<string>("select object_key from brewclip.media_sources where object_key like 'sub/%'"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key in ('notes.txt', 'link-outside.png')"));

        // Rejections carry reasons a person understands.
        var reasons = (await Db.ColumnAsync<string>("""
            select s.object_key || '=' || m.rejection_reason from brewclip.media m join brewclip.media_sources s on s.media_id = m.id
            where m.status = 'rejected' order by s.object_key
            """)).ToDictionary(row => row[..row.IndexOf('=')], row => row[(row.IndexOf('=') + 1)..]);
        Assert.Equal(["empty.wav", "letter.mp3", "noise.jpg", "truncated.png"], reasons.Keys.Order());
        Assert.Equal("the file is empty", reasons["empty.wav"]);
        Assert.StartsWith("not a media file ffprobe can read", reasons["letter.mp3"], StringComparison.Ordinal);
        // Noise has no signature, so its name is tried too: read as a JPEG, it does not decode either.
        Assert.StartsWith("not a media file ffprobe can read", reasons["noise.jpg"], StringComparison.Ordinal);
        Assert.EndsWith("read by its name (.jpg) as a mjpeg image, it does not decode either", reasons["noise.jpg"], StringComparison.Ordinal);
        Assert.Contains("truncated or corrupt", reasons["truncated.png"], StringComparison.Ordinal);

        // Recordings: 16 kHz mono PCM whose length is the stored duration; the slow file was read whole.
        Assert.Equal(9L, await Db.ScalarAsync<long>("select count(*) from brewclip.recordings"));
        foreach (var row in await Db.ColumnAsync<string>("select pcm_uri || ' ' || duration_seconds from brewclip.recordings"))
        {
            var parts = row.Split(' ');
            var samples = PcmAudio.ReadWav(new Uri(parts[0]).LocalPath);
            Assert.Equal(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), samples.Length / 16000.0, 3);
            Assert.True(samples.Length > 8000, $"{parts[0]} has {samples.Length} samples");
        }
        Assert.Equal(new FileInfo(Path.Combine(Inbox, "slow.wav")).Length,
            await Db.ScalarAsync<long>("select m.size_bytes from brewclip.media m join brewclip.media_sources s on s.media_id = m.id where s.object_key = 'slow.wav'"));

        // Video: L = 4 frames at the centres of equal spans, each with its span; the audio track pairs with each frame.
        Assert.Equal(18L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
        Assert.Equal(["0:0.25:0-0.5", "1:0.75:0.5-1", "2:1.25:1-1.5", "3:1.75:1.5-2"], await Db.ColumnAsync<string>("""
            select i.frame_index || ':' || i.frame_time_seconds || ':' || i.frame_start_seconds || '-' || i.frame_end_seconds from brewclip.images i
            join brewclip.media_sources s on s.media_id = i.media_id where s.object_key = 'clip.mp4' order by i.frame_index
            """));
        Assert.Equal(4L, await Db.ScalarAsync<long>("select count(*) from brewclip.images i join brewclip.media_sources s on s.media_id = i.media_id where s.object_key = 'silent.mkv'"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("select count(*) from brewclip.recordings r join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'silent.mkv'"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'") == 2, "the listed pairs", service);
        Assert.Equal(["pairs_csv:2", "stem:2", "video:4"], await Db.ColumnAsync<string>("select origin || ':' || count(*) from brewclip.pairs group by origin order by 1"));
        Assert.Equal(["listed/late.wav+listed/late-photo.png:paired", "listed/missing.wav+listed/photo.jpg:open", "listed/talk.flac+listed/photo.jpg:paired"],
            await Db.ColumnAsync<string>("select audio_key || '+' || image_key || ':' || case when pair_id is null then 'open' else 'paired' end from brewclip.pair_claims order by 1"));
        Assert.Equal(2L, await Db.ScalarAsync<long>("""
            select count(*) from brewclip.pair_claims c join brewclip.pairs p on p.id = c.pair_id
            join brewclip.recordings r on r.id = p.recording_id join brewclip.media_sources a on a.media_id = r.media_id and a.object_key = c.audio_key
            join brewclip.images i on i.id = p.image_id join brewclip.media_sources b on b.media_id = i.media_id and b.object_key = c.image_key
            """));
        Assert.Equal(["pets/cat.wav+pets/cat.webp", "pets/dog.wav+pets/dog.png"], await Db.ColumnAsync<string>("""
            select a.object_key || '+' || b.object_key from brewclip.pairs p
            join brewclip.recordings r on r.id = p.recording_id join brewclip.media_sources a on a.media_id = r.media_id
            join brewclip.images i on i.id = p.image_id join brewclip.media_sources b on b.media_id = i.media_id
            where p.origin = 'stem' order by 1
            """));
        // Sidecar transcripts are kept as the ground truth, with their cues, and the message says so.
        Assert.Equal(["pets/cat.wav=Two cats sleep on a warm windowsill", "pets/dog.wav=The brown dog fetches a stick."], await Db.ColumnAsync<string>("""
            select s.object_key || '=' || t.text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id
            join brewclip.media_sources s on s.media_id = r.media_id order by 1
            """));
        Assert.Equal("[{\"end\": 1.9, \"text\": \"Two cats sleep\", \"start\": 0.2}, {\"end\": 3, \"text\": \"on a warm windowsill\", \"start\": 2}]",
            await Db.ScalarAsync<string>("select t.segments::text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'pets/cat.wav'"));
        // Messages name the item only; the sidecar transcripts are in Postgres for the two recordings that had one.
        Assert.Equal(2L, await SidecarTranscriptsOfAsync(recorder.Messages.Recordings));
        foreach (var uri in await Db.ColumnAsync<string>("select image_uri from brewclip.images"))
        {
            Assert.True(new FileInfo(new Uri(uri).LocalPath).Length > 0, uri);
        }
        // Beside every image and frame, CLIP's 224x224 crop of it as raw RGB, which ImageEmbedding reads instead of decoding.
        var crops = await Db.ColumnAsync<string>("select coalesce(clip_crop_uri, '(none) ' || image_uri) from brewclip.images");
        Assert.All(crops, uri => Assert.Equal(224 * 224 * 3, new FileInfo(new Uri(uri).LocalPath).Length));
        var redCrop = File.ReadAllBytes(new Uri(await Db.ScalarAsync<string>(
            "select i.clip_crop_uri from brewclip.images i join brewclip.media_sources s on s.media_id = i.media_id where s.object_key = 'red.png'")).LocalPath);
        var centre = (112 * 224 + 112) * 3;
        Assert.True(redCrop[centre] > 250 && redCrop[centre + 1] < 5 && redCrop[centre + 2] < 5, $"{redCrop[centre]},{redCrop[centre + 1]},{redCrop[centre + 2]}");

        // Each expected message was published exactly once, naming the stored rows.
        var recordingIds = await Db.ColumnAsync<long>("select id from brewclip.recordings order by id");
        var imageIds = await Db.ColumnAsync<long>("select id from brewclip.images order by id");
        Assert.Equal(recordingIds, recorder.Messages.Recordings.Select(m => m.RecordingId).Order().ToList());
        Assert.Equal(imageIds, recorder.Messages.Images.Select(m => m.ImageId).Order().ToList());
        Assert.Equal(8L, await Db.ScalarAsync<long>(
            $"select count(*) from brewclip.images where frame_index is not null and id in ({string.Join(",", recorder.Messages.Images.Select(m => m.ImageId))})"));

        // Stopped with SIGTERM, the service ends cleanly.
        service.Terminate();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(30)), service.ToString());
        Assert.Equal(0, service.ExitCode);
    }

    [Fact]
    public async Task Stopping_midway_and_starting_again_ends_with_every_file_once_and_stale_items_published_again()
    {
        for (var i = 0; i < 24; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 10:X2}40{255 - i * 10:X2}:s=32x32", "-frames:v", "1", Path.Combine(Inbox, $"colour-{i:D2}.png"));
        }
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        await using var recorder = await MessageRecorder.StartAsync(settings);
        settings["BREWCLIP__Ingest__MaxConcurrency"] = "1";

        await using (var first = ServiceProcess.Start("BrewClip.Ingest", settings))
        {
            Assert.True(await first.WaitForReadyAsync(port) is not null, first.ToString());
            await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") >= 4, "a few files to be ingested", first);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), first.ToString());
        }
        Assert.InRange(await Db.ScalarAsync<long>("select count(*) from brewclip.media"), 4, 23);

        // Started again with a reconciler that re-publishes whatever waited more than a second.
        settings["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "1";
        settings["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "1";
        await using var second = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await second.WaitForReadyAsync(port) is not null, second.ToString());
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == 24, "every file to be ingested", second);

        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(*) from brewclip.media where status = 'accepted'"));
        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(distinct object_key) from brewclip.media_sources"));
        // Nobody consumes the images here, so they stay ingested: every one is published, and again after the timeout.
        var imageIds = await Db.ColumnAsync<long>("select id from brewclip.images order by id");
        await WaitUntilAsync(() => Task.FromResult(imageIds.All(id => recorder.Messages.Images.Count(m => m.ImageId == id) >= 2)),
            "every image to be published and re-published", second);
        Assert.Empty(recorder.Messages.Images.Select(m => m.ImageId).Except(imageIds));
    }

    [Fact]
    public async Task The_reconciler_does_not_publish_again_what_waits_behind_a_backlog_and_does_once_the_queue_is_empty()
    {
        for (var i = 0; i < 3; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 60:X2}8020:s=32x32", "-frames:v", "1", Path.Combine(Made, $"queued-{i}.png"));
        }
        // ImageEmbedding's queue under a prefix of this test's own, with a backlog nobody consumes.
        var prefix = $"reconcile{Guid.NewGuid().ToString("N")[..8]}-";
        var queue = prefix + "image-embedding-image-ingested";
        var endpoint = TestSettings.RabbitMq;
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = endpoint.Host, Port = endpoint.Port, VirtualHost = endpoint.VirtualHost, UserName = endpoint.Username, Password = endpoint.Password,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await channel.BasicPublishAsync("", queue, false, new RabbitMQ.Client.BasicProperties(), new ReadOnlyMemory<byte>("{}"u8.ToArray()));
            }
            await WaitUntilAsync(async () => (await channel.QueueDeclarePassiveAsync(queue)).MessageCount == 5, "the backlog", null);

            var port = ServiceProcess.FreePort();
            var settings = IngestSettings(port);
            settings["BREWCLIP__RabbitMq__QueuePrefix"] = prefix;
            await using var recorder = await MessageRecorder.StartAsync(settings);
            settings["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "1";
            settings["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "1";
            await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);
            Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
            foreach (var i in Enumerable.Range(0, 3))
            {
                File.Copy(Path.Combine(Made, $"queued-{i}.png"), Path.Combine(Inbox, $"queued-{i}.png"));
            }
            await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.images") == 3, "the images", service);
            var ids = await Db.ColumnAsync<long>("select id from brewclip.images order by id");
            await WaitUntilAsync(() => Task.FromResult(ids.All(id => recorder.Messages.Images.Any(m => m.ImageId == id))), "the first messages", service);

            // Passes of the reconciler that found the images stale (older than 1 s) and the queue with its backlog.
            var heldBack = $"5 messages wait in {queue}; stale images are taken as queued";
            int HeldBack() => service.Stdout.Split('\n').Count(line => line.Contains(heldBack, StringComparison.Ordinal));
            var before = HeldBack();
            await WaitUntilAsync(() => Task.FromResult(HeldBack() >= before + 3), "three reconciler passes under the backlog", service);
            Assert.All(ids, id => Assert.Single(recorder.Messages.Images, m => m.ImageId == id));

            // Once nothing waits, an image still at its ingested stage is stuck, and is published again.
            await channel.QueuePurgeAsync(queue);
            await WaitUntilAsync(() => Task.FromResult(ids.All(id => recorder.Messages.Images.Count(m => m.ImageId == id) >= 2)), "the images published again", service);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }
    }

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
            await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 4
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
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 5, "the early key", second);
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
        await WaitUntilAsync(async () => await Db.ScalarAsync<string>("select cursor from brewclip.sources where name = 'bucket'") == "drop/zebra.txt",
            "the cursor to pass the sidecar", second);
        await PutAsync("drop/zebra.wav", TestMedia.Speak(Made, "zebra", "a zebra crosses the plain", 22_050));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where source_name = 'bucket'") == 6, "the zebra audio", second);
        Assert.Equal("A zebra crosses the plain.", await Db.ScalarAsync<string>("""
            select t.text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id
            join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'drop/zebra.wav'
            """));

        // A sidecar rewritten after its audio was read: the recording takes the new text and is published again.
        var horseMessages = recorder.Messages.Recordings.Count;
        File.WriteAllText(Made + "/horse.txt", "A horse leaps over a low fence.");
        await PutAsync("drop/horse.txt", Made + "/horse.txt");
        await WaitUntilAsync(async () => await Db.ScalarAsync<string>("""
            select t.text from brewclip.sidecar_transcripts t join brewclip.recordings r on r.id = t.recording_id
            join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'drop/horse.wav'
            """) == "A horse leaps over a low fence.", "the rewritten sidecar", second);
        await WaitUntilAsync(() => Task.FromResult(recorder.Messages.Recordings.Count > horseMessages), "the recording to be published again", second);
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
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") >= mediaObjects
            && recorder.Messages.Recordings.Count >= 56 && recorder.Messages.Images.Count >= 179
            && await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'") >= 3, "all 200 objects", service, TimeSpan.FromMinutes(5));
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

    [Fact]
    public async Task Still_images_in_any_format_ffmpeg_decodes_are_images_and_one_it_cannot_decode_is_rejected_naming_its_format()
    {
        foreach (var extension in new[] { "ppm", "ico", "j2k", "qoi", "pcx", "tga", "pam", "sgi", "xwd" })
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1", $"{Made}/pattern.{extension}");
        }
        // SVG with and without an XML declaration (the second has no signature ffmpeg knows: its extension decides).
        const string svg = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="red"/></svg>""";
        File.WriteAllText(Made + "/declared.svg", "<?xml version=\"1.0\"?>\n" + svg + "\n");
        File.WriteAllText(Made + "/bare.svg", svg + "<!-- bare -->\n");
        File.WriteAllBytes(Made + "/layers.psd", Psd(40, 30));
        File.WriteAllBytes(Made + "/cut.psd", Psd(40, 30)[..200]);
        File.WriteAllBytes(Made + "/noise.tga", RandomBytes(3000, seed: 7));

        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start("BrewClip.Ingest", IngestSettings(port));
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        var files = Directory.GetFiles(Made).Select(Path.GetFileName).ToList();
        foreach (var name in files)
        {
            File.Copy(Path.Combine(Made, name!), Path.Combine(Inbox, name!));
        }
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == files.Count, "every file", service);

        var rows = (await Db.ColumnAsync<string>("""
            select s.object_key || '=' || m.kind || ':' || m.status || ':' || coalesce(i.width || 'x' || i.height, m.rejection_reason, '(no size)')
            from brewclip.media m join brewclip.media_sources s on s.media_id = m.id left join brewclip.images i on i.media_id = m.id
            """)).ToDictionary(row => row[..row.IndexOf('=')], row => row[(row.IndexOf('=') + 1)..]);
        foreach (var extension in new[] { "ppm", "ico", "j2k", "qoi", "pcx", "tga", "pam", "sgi", "xwd" })
        {
            Assert.Equal("image:accepted:48x36", rows[$"pattern.{extension}"]);
        }
        Assert.Equal("image:accepted:64x48", rows["declared.svg"]);
        Assert.Equal("image:accepted:64x48", rows["bare.svg"]);
        Assert.Equal("image:accepted:40x30", rows["layers.psd"]);
        Assert.StartsWith("unknown:rejected:the image (psd_pipe, codec psd) cannot be decoded", rows["cut.psd"], StringComparison.Ordinal);
        Assert.StartsWith("unknown:rejected:not a media file ffprobe can read", rows["noise.tga"], StringComparison.Ordinal);
        Assert.EndsWith("read by its name (.tga) as a targa image, it does not decode either", rows["noise.tga"], StringComparison.Ordinal);
        // Every accepted image has its decoded PNG.
        foreach (var uri in await Db.ColumnAsync<string>("select image_uri from brewclip.images"))
        {
            Assert.True(new FileInfo(new Uri(uri).LocalPath).Length > 0, uri);
        }
    }

    /// <summary>A Photoshop file of one RGB layer, uncompressed (the header, three empty sections, planar channels).</summary>
    private static byte[] Psd(int width, int height)
    {
        using var stream = new MemoryStream();
        void Write(uint value, int bytes)
        {
            for (var shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
            {
                stream.WriteByte((byte)(value >> shift));
            }
        }
        stream.Write("8BPS"u8);
        Write(1, 2);          // version
        Write(0, 6);          // reserved
        Write(3, 2);          // channels
        Write((uint)height, 4);
        Write((uint)width, 4);
        Write(8, 2);          // bits per channel
        Write(3, 2);          // RGB
        Write(0, 4);          // colour mode data, image resources, layers: empty
        Write(0, 4);
        Write(0, 4);
        Write(0, 2);          // raw image data
        foreach (var value in new byte[] { 200, 50, 10 })
        {
            stream.Write(Enumerable.Repeat(value, width * height).ToArray());
        }
        return stream.ToArray();
    }

    [Fact]
    public async Task Files_that_are_not_read_are_logged_once_with_why_stored_and_counted_by_status()
    {
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=green:s=32x32", "-frames:v", "1", Made + "/green.png");
        File.Copy(Made + "/green.png", Path.Combine(Inbox, ".hidden.png"));
        File.Copy(Made + "/green.png", Path.Combine(Inbox, "upload.png.part"));
        File.WriteAllText(Path.Combine(Inbox, "table.csv"), "a,b\n");
        // A transcript with no audio of its name: kept for one that may come, but nothing is indexed from it now.
        File.WriteAllText(Path.Combine(Inbox, "notes.txt"), "a note, not a transcript of anything here\n");
        File.CreateSymbolicLink(Path.Combine(Inbox, "outside.png"), Made + "/green.png");
        File.CreateSymbolicLink(Path.Combine(Inbox, "elsewhere"), Made);
        File.CreateSymbolicLink(Path.Combine(Inbox, "dangling.png"), Made + "/no-such-file.png");

        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start("BrewClip.Ingest", IngestSettings(port));
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects") == 7, "the skipped files", service);
        var reasons = (await Db.ColumnAsync<string>("select object_key || '=' || reason from brewclip.skipped_objects order by object_key"))
            .ToDictionary(row => row[..row.IndexOf('=')], row => row[(row.IndexOf('=') + 1)..]);
        Assert.Equal("a hidden file", reasons[".hidden.png"]);
        Assert.Equal("a partial download or temporary file (.part; read once renamed into place)", reasons["upload.png.part"]);
        Assert.Equal("not media by its name (.csv)", reasons["table.csv"]);
        Assert.Equal($"a symbolic link leading outside the watched folder (to {Made}/green.png)", reasons["outside.png"]);
        Assert.Equal("a symbolic link to a folder (links to folders are not followed)", reasons["elsewhere"]);
        Assert.Equal($"a broken symbolic link (to {Made}/no-such-file.png)", reasons["dangling.png"]);
        Assert.Equal("a transcript with no audio or video of its name beside it (kept, and used when one arrives)", reasons["notes.txt"]);

        // Later scans (a file that arrives afterwards is read) log none of them again.
        File.Copy(Made + "/green.png", Path.Combine(Inbox, "green.png"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'green.png'") == 1, "the image", service);
        foreach (var key in reasons.Keys)
        {
            Assert.Single(service.Stdout.Split('\n'), line => line.Contains($"inbox:{key} is not read: ", StringComparison.Ordinal));
        }

        // The partial download renamed into place is read, and no longer counted as skipped.
        File.Move(Path.Combine(Inbox, "upload.png.part"), Path.Combine(Inbox, "upload.png"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects") == 6, "the renamed file to leave the list", service);
        // Status passes over hidden files as Ingest does (.gitkeep, .DS_Store are not worth a word) and names the rest by why.
        await using var status = await ServiceProcess.RunAsync("BrewClip.Cli", IngestSettings(ServiceProcess.FreePort()), "status");
        Assert.Contains("skipped   5 files not read: 1 a broken symbolic link, 1 a symbolic link leading outside the watched folder, " +
            "1 a symbolic link to a folder, 1 a transcript with no audio or video of its name beside it, 1 not media by its name", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", status.Stdout, StringComparison.Ordinal);
        // A transcript whose audio arrives is no longer skipped.
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-ar", "16000", Path.Combine(Made, "notes.wav"));
        File.Copy(Path.Combine(Made, "notes.wav"), Path.Combine(Inbox, "notes.wav"));
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects where object_key = 'notes.txt'") == 0,
            "the transcript to leave the list once its audio is there", service);
    }

    [Fact]
    public async Task A_folder_that_does_not_exist_stops_the_service_at_start_naming_the_option()
    {
        var settings = IngestSettings(ServiceProcess.FreePort());
        settings["BREWCLIP__Ingest__Folders__0__Path"] = Path.Combine(Work, "no-such-folder");
        await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(30)), service.ToString());
        Assert.Equal(78, service.ExitCode);
        Assert.Contains("Ingest:Folders:0:Path (BREWCLIP__Ingest__Folders__0__Path)", service.Stderr, StringComparison.Ordinal);
        Assert.Contains("no-such-folder' does not exist", service.Stderr, StringComparison.Ordinal);
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

    /// <summary>Copies a file in five chunks 600 ms apart, as a slow upload would.</summary>
    private static async Task WriteSlowlyAsync(string from, string to)
    {
        var bytes = await File.ReadAllBytesAsync(from);
        await using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var chunk = (bytes.Length + 4) / 5;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await output.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
            await output.FlushAsync();
            await Task.Delay(600);
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task The_two_sides_of_a_listed_pair_committing_at_the_same_moment_still_pair()
    {
        var wav = TestMedia.Speak(Made, "talk", "a bird sings in the morning");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=yellow:s=40x30", "-frames:v", "1", Made + "/photo.png");
        File.WriteAllLines(Path.Combine(Inbox, "pairs.csv"), ["audio,image", "talk.wav,photo.png"]);
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start("BrewClip.Ingest", IngestSettings(port));
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.pair_claims") == 1, "the listed claim", service);

        // Held here, both files' commits stop at their pairing step with neither committed: the moment where each
        // could look for the other before it is visible.
        await using (var blocker = await Db.DataSource.OpenConnectionAsync())
        {
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var lockPairs = new Npgsql.NpgsqlCommand("lock table brewclip.pairs in exclusive mode", blocker, transaction))
            {
                await lockPairs.ExecuteNonQueryAsync();
            }
            File.Copy(wav, Path.Combine(Inbox, "talk.wav"));
            File.Copy(Made + "/photo.png", Path.Combine(Inbox, "photo.png"));
            await WaitUntilAsync(async () => await Db.ScalarAsync<long>(
                $"select count(*) from pg_stat_activity where datname = '{Db.Name}' and wait_event_type = 'Lock' and pid <> {blocker.ProcessID}") >= 2,
                "both commits to wait", service);
            await transaction.CommitAsync();
        }

        await WaitUntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key in ('talk.wav', 'photo.png')") == 2,
            "both files to be committed", service);
        Assert.Equal(["talk.wav+photo.png:paired"], await Db.ColumnAsync<string>(
            "select audio_key || '+' || image_key || ':' || case when pair_id is null then 'open' else 'paired' end from brewclip.pair_claims"));
        Assert.Equal(1L, await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'"));
    }

    /// <summary>How many of the recordings the messages name have a sidecar transcript.</summary>
    private Task<long> SidecarTranscriptsOfAsync(IEnumerable<RecordingIngested> messages)
        => Db.ScalarAsync<long>($"select count(distinct recording_id) from brewclip.sidecar_transcripts where recording_id in ({string.Join(",", messages.Select(m => m.RecordingId))})");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, ServiceProcess? service, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(service?.HasExited == true, $"the service exited while waiting for {what}.\n{service}");
            Assert.True(clock.Elapsed < (limit ?? TimeSpan.FromSeconds(120)), $"timed out waiting for {what}.\n{service}");
            await Task.Delay(250);
        }
    }

}
