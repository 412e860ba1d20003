using System.Diagnostics;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Media;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The real Ingest service watching a folder: files made with ffmpeg and espeak-ng become exactly the
/// expected media, recordings, images, frames, pairs and rejections, and each message is published once.
/// Restarts, backlogs and races are in <see cref="IngestRecoveryTests"/>; buckets in <see cref="IngestBucketTests"/>.
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
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'pets/cat.wav'") == 1, "the cat's recording", service);
        File.Copy(Path.Combine(Made, "cat.webp"), Path.Combine(pets, "cat.webp"));
        // Pairs listed in pairs.csv (keys relative to its folder), in either order; a row naming a file
        // that never arrives stays an open claim, and a malformed row is skipped.
        File.WriteAllText(Path.Combine(Inbox, "pairs.csv"),
            "audio,image\nlisted/talk.flac,listed/photo.jpg\n\"listed/late.wav\",listed/late-photo.png\nlisted/missing.wav,listed/photo.jpg\nthree,fields,here\n");
        var listed = Directory.CreateDirectory(Path.Combine(Inbox, "listed")).FullName;
        TestMedia.Ffmpeg("-i", Path.Combine(Made, "talk.wav"), Path.Combine(listed, "talk.flac"));
        File.Copy(Path.Combine(Made, "photo.jpg"), Path.Combine(listed, "photo.jpg"));
        File.Copy(Path.Combine(Made, "late-photo.png"), Path.Combine(listed, "late-photo.png"));
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'listed/late-photo.png'") == 1, "the listed photo", service);
        File.Copy(Path.Combine(Made, "late.wav"), Path.Combine(listed, "late.wav"));
        await slowWriter;
        var allWritten = DateTimeOffset.UtcNow;

        const int accepted = 3 + 1 + 2 + 2 + 5 + 3 + 2 + 2; // audio, the slow recording, the pets' and the listed audio, images, the pets' and the listed images, videos
        const int rejected = 4;
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") >= accepted + rejected
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
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'") == 2, "the listed pairs", service);
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
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == files.Count, "every file", service);

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
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects") == 7, "the skipped files", service);
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
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key = 'green.png'") == 1, "the image", service);
        foreach (var key in reasons.Keys)
        {
            Assert.Single(service.Stdout.Split('\n'), line => line.Contains($"inbox:{key} is not read: ", StringComparison.Ordinal));
        }

        // The partial download renamed into place is read, and no longer counted as skipped.
        File.Move(Path.Combine(Inbox, "upload.png.part"), Path.Combine(Inbox, "upload.png"));
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects") == 6, "the renamed file to leave the list", service);
        // Status passes over hidden files as Ingest does (.gitkeep, .DS_Store are not worth a word) and names the rest by why.
        await using var status = await ServiceProcess.RunAsync("BrewClip.Cli", IngestSettings(ServiceProcess.FreePort()), "status");
        Assert.Contains("skipped   5 files not read: 1 a broken symbolic link, 1 a symbolic link leading outside the watched folder, " +
            "1 a symbolic link to a folder, 1 a transcript with no audio or video of its name beside it, 1 not media by its name", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", status.Stdout, StringComparison.Ordinal);
        // A transcript whose audio arrives is no longer skipped.
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-ar", "16000", Path.Combine(Made, "notes.wav"));
        File.Copy(Path.Combine(Made, "notes.wav"), Path.Combine(Inbox, "notes.wav"));
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.skipped_objects where object_key = 'notes.txt'") == 0,
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
}
