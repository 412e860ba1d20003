using System.Diagnostics;
using BrewClip.Autograd.Safetensors;
using BrewClip.Contracts;
using BrewClip.Models.Heads;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Spoken recordings published as RecordingIngested go through the real Transcription and
/// AcousticEmbedding services (tiny Whisper- and CLIP-shaped fixture models) into audio vectors.
/// </summary>
public sealed class RecordingFlowTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-recordings-").FullName;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Recordings_are_transcribed_cached_and_embedded_per_segment_and_redelivery_changes_nothing()
    {
        var dog = TestMedia.Speak(_folder, "dog", "a dog runs on the grass");
        var cats = TestMedia.Speak(_folder, "cats", "two cats sleep on a warm windowsill");
        var car = TestMedia.Speak(_folder, "car", "the red car stops at the light");
        var long70 = Path.Combine(_folder, "long.wav");
        TestMedia.Ffmpeg("-i", car, "-af", "apad=whole_dur=70", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", long70);
        var corrupt = Path.Combine(_folder, "corrupt.wav");
        File.WriteAllBytes(corrupt, [.. "RIFF"u8.ToArray(), 0, 0, 0, 0, .. "WAVEjunk"u8.ToArray()]);

        var ids = new Dictionary<string, long>();
        foreach (var (name, path) in new[] { ("dog", dog), ("cats", cats), ("car", car), ("long", long70), ("corrupt", corrupt) })
        {
            ids[name] = await RegisterAsync(path);
        }
        const string sidecar = "A dog runs on the grass.";
        await _db.ExecuteAsync($"insert into brewclip.sidecar_transcripts (recording_id, text) values ({ids["dog"]}, '{sidecar}')");

        var artifacts = Directory.CreateDirectory(Path.Combine(_folder, "artifacts")).FullName;
        var (transcription, _) = await StartAsync("BrewClip.Transcription", artifacts, "transcription-recording-ingested");
        await using var _t = transcription;
        var (acoustic, _) = await StartAsync("BrewClip.AcousticEmbedding", artifacts, "acoustic-embedding-recording-transcribed");
        await using var _a = acoustic;
        await using var publisher = await TestPublisher.StartAsync(StackSettings.For(_db, 0));

        foreach (var id in ids.Values)
        {
            await publisher.Bus.Publish(new RecordingIngested(id));
        }
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage in ('embedded', 'failed')") == 5,
            "every recording to be embedded or failed", transcription, acoustic);

        // The corrupt file failed with a reason; the rest went on.
        Assert.Equal("failed", await _db.ScalarAsync<string>($"select stage from brewclip.recordings where id = {ids["corrupt"]}"));
        Assert.Contains("WAV", await _db.ScalarAsync<string>($"select failure_reason from brewclip.recordings where id = {ids["corrupt"]}"), StringComparison.Ordinal);
        Assert.Equal(4L, await _db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'"));

        // 70 s: three windows, encoder states cached as float16 and trimmed to 50 frames a second.
        Assert.Equal([1500L, 1500L, 500L], await _db.ColumnAsync<long>($"select encoder_frames from brewclip.recording_segments where recording_id = {ids["long"]} order by segment_index"));
        foreach (var uri in await _db.ColumnAsync<string>($"select encoder_states_uri from brewclip.recording_segments where recording_id = {ids["long"]} order by segment_index"))
        {
            // Written by Transcription, read here by the reader AcousticEmbedding and training use.
            var states = CachedFeatures.ReadEncoderStates(new Uri(uri).LocalPath);
            Assert.Equal(16, states.Shape[1]);
            var (_, metadata) = SafetensorsFile.Read(new Uri(uri).LocalPath);
            Assert.Equal(CachedFeatures.EncoderStatesFormat, metadata[CachedFeatures.FormatKey]);
        }
        // One vector per segment for every embedded recording.
        Assert.Equal(await _db.ScalarAsync<long>("select count(*) from brewclip.recording_segments s join brewclip.recordings r on r.id = s.recording_id where r.stage = 'embedded'"),
            await _db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"));
        Assert.Equal(3L, await _db.ScalarAsync<long>($"select count(*) from brewclip.audio_vectors where recording_id = {ids["long"]}"));
        // The sidecar transcript is the text, verbatim; the others were decoded by Whisper.
        Assert.Equal(sidecar, await _db.ScalarAsync<string>($"select text from brewclip.recording_segments where recording_id = {ids["dog"]}"));
        Assert.Equal("sidecar", await _db.ScalarAsync<string>($"select source from brewclip.transcripts where recording_id = {ids["dog"]}"));
        Assert.Equal("whisper", await _db.ScalarAsync<string>($"select source from brewclip.transcripts where recording_id = {ids["cats"]}"));
        Assert.NotNull(await _db.ScalarAsync<string>($"select text_states_uri from brewclip.segment_text_features where recording_id = {ids["cats"]}"));

        // Every message again: nothing is rewritten.
        var before = await SnapshotAsync();
        foreach (var id in ids.Values)
        {
            await publisher.Bus.Publish(new RecordingIngested(id));
        }
        // Every redelivery handled, and every message that handling published handled in turn: nothing can change after this.
        await Settling.FlowAsync("the redelivered messages and whatever they caused to be handled", [transcription, acoustic], [publisher.Counts]);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Promotion_re_embeds_every_segment_with_the_new_audio_head_from_the_caches()
    {
        var ids = new[] { await RegisterAsync(TestMedia.Speak(_folder, "dog", "a dog runs on the grass")), await RegisterAsync(TestMedia.Speak(_folder, "cats", "two cats sleep")) };
        var artifacts = Directory.CreateDirectory(Path.Combine(_folder, "artifacts")).FullName;
        var (transcription, _) = await StartAsync("BrewClip.Transcription", artifacts, "transcription-recording-ingested");
        await using var _t = transcription;
        var (acoustic, _) = await StartAsync("BrewClip.AcousticEmbedding", artifacts, "acoustic-embedding-recording-transcribed");
        await using var _a = acoustic;
        await using var publisher = await TestPublisher.StartAsync(StackSettings.For(_db, 0));
        foreach (var id in ids)
        {
            await publisher.Bus.Publish(new RecordingIngested(id));
        }
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == 2,
            "both recordings to be embedded", transcription, acoustic);

        // A version-1 head whose channels are switched on (zero output projections would change nothing).
        var headFolder = Path.Combine(_folder, "v1");
        var head = new BrewClip.Models.Heads.AudioHead(new(TextWidth: 16, WhisperWidth: 16, HeadWidth: 8, Prompts: 2, Heads: 2, EmbeddingSize: 512), new Random(1));
        head.TextOut.Weight.Load(BrewClip.Autograd.Tensor.RandomNormal(new Random(2), 0.3f, 512, 16).ToArray());
        head.AudioOut.Weight.Load(BrewClip.Autograd.Tensor.RandomNormal(new Random(3), 0.3f, 512, 8).ToArray());
        head.AcousticGate.Load([1f]);
        head.Save(headFolder);
        await _db.ExecuteAsync($"insert into brewclip.model_versions (version, status, description, artifact_uri) values (1, 'backfilling', 'test', '{new Uri(headFolder).AbsoluteUri}')");
        await publisher.Bus.Publish(new ModelPromoted(1));
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<bool>("select coalesce((select finished_at is not null from brewclip.backfills where model_version = 1 and kind = 'audio'), false)"),
            "the audio re-embedding to finish", transcription, acoustic);

        Assert.Equal(2L, await _db.ScalarAsync<long>("select done from brewclip.backfills where model_version = 1 and kind = 'audio'"));
        Assert.Equal(2L, await _db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"));
        // The stored vector is the head's output on the cached features (to float16 precision).
        var textStates = await _db.ScalarAsync<string>($"select text_states_uri from brewclip.segment_text_features where recording_id = {ids[0]}");
        var encoderStates = await _db.ScalarAsync<string>($"select encoder_states_uri from brewclip.recording_segments where recording_id = {ids[0]}");
        var embeds = await _db.VectorAsync($"select text_embeds from brewclip.segment_text_features where recording_id = {ids[0]}");
        // Token states written by AcousticEmbedding, encoder states by Transcription: read through the one contract.
        var (tokens, length) = CachedFeatures.ReadTokenStates(new Uri(textStates).LocalPath);
        var encoder = CachedFeatures.ReadEncoderStates(new Uri(encoderStates).LocalPath);
        float[] expected;
        using (BrewClip.Autograd.GradMode.Disable())
        {
            expected = head.Forward(tokens, length, BrewClip.Autograd.Tensor.FromArray(embeds, embeds.Length), encoder).ToArray();
        }
        var stored = await _db.VectorAsync($"select embedding from brewclip.audio_vectors where model_version = 1 and recording_id = {ids[0]}");
        var v0 = await _db.VectorAsync($"select embedding from brewclip.audio_vectors where model_version = 0 and recording_id = {ids[0]}");
        for (var i = 0; i < 512; i++)
        {
            Assert.Equal(expected[i], stored[i], 2);
        }
        Assert.NotEqual(v0, stored);
    }

    [Fact]
    public async Task With_timestamps_a_long_recording_gets_ordered_timed_segments()
    {
        var car = TestMedia.Speak(_folder, "car", "the red car stops at the light");
        var long70 = Path.Combine(_folder, "long.wav");
        TestMedia.Ffmpeg("-i", car, "-af", "apad=whole_dur=70", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", long70);
        var id = await RegisterAsync(long70);
        var artifacts = Directory.CreateDirectory(Path.Combine(_folder, "artifacts")).FullName;
        var (transcription, _) = await StartAsync("BrewClip.Transcription", artifacts, "transcription-recording-ingested",
            new Dictionary<string, string> { ["BREWCLIP__Transcription__Timestamps"] = "true", ["BREWCLIP__Transcription__Language"] = "en" });
        await using var _t = transcription;
        await using var publisher = await TestPublisher.StartAsync(StackSettings.For(_db, 0));

        await publisher.Bus.Publish(new RecordingIngested(id));
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<string>($"select stage from brewclip.recordings where id = {id}") != "ingested",
            "the recording to be transcribed", transcription);

        Assert.Equal("transcribed", await _db.ScalarAsync<string>($"select stage from brewclip.recordings where id = {id}"));
        Assert.Equal(3L, await _db.ScalarAsync<long>($"select count(*) from brewclip.recording_segments where recording_id = {id}"));
        using var segments = System.Text.Json.JsonDocument.Parse(await _db.ScalarAsync<string>($"select segments::text from brewclip.transcripts where recording_id = {id}"));
        var previous = 0.0;
        foreach (var segment in segments.RootElement.EnumerateArray())
        {
            var (start, end) = (segment.GetProperty("start").GetDouble(), segment.GetProperty("end").GetDouble());
            Assert.InRange(start, previous, 70.0);
            Assert.InRange(end, start, 70.0);
            previous = start;
        }
    }

    private async Task<long> RegisterAsync(string path)
    {
        await using var command = _db.DataSource.CreateCommand("""
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256($1), 'audio', 'accepted', $2) returning id)
            insert into brewclip.recordings (media_id, pcm_uri, duration_seconds) select id, $3, $4 from m returning id
            """);
        command.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes(path) });
        command.Parameters.Add(new() { Value = new FileInfo(path).Length });
        command.Parameters.Add(new() { Value = new Uri(path).AbsoluteUri });
        command.Parameters.Add(new() { Value = Math.Max(0, (new FileInfo(path).Length - 44) / 32000.0) });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(ServiceProcess Service, string Queue)> StartAsync(string project, string artifacts, string queue,
        Dictionary<string, string>? extra = null)
    {
        var port = ServiceProcess.FreePort();
        var settings = StackSettings.For(_db, port);
        settings["BREWCLIP__Artifacts__Root"] = artifacts;
        settings["BREWCLIP__Transcription__Language"] = "";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        var service = ServiceProcess.Start(project, settings);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        return (service, settings["BREWCLIP__RabbitMq__QueuePrefix"] + queue);
    }

    private async Task<string> SnapshotAsync()
    {
        var vectors = await _db.ScalarAsync<string>("select string_agg(xmin::text || ':' || recording_id || ':' || segment_index, ',' order by recording_id, segment_index) from brewclip.audio_vectors");
        var segments = await _db.ScalarAsync<string>("select string_agg(xmin::text, ',' order by recording_id, segment_index) from brewclip.recording_segments")
            + ";" + await _db.ScalarAsync<string>("select string_agg(xmin::text, ',' order by recording_id, segment_index) from brewclip.segment_text_features");
        var transcripts = await _db.ScalarAsync<string>("select string_agg(xmin::text, ',' order by recording_id) from brewclip.transcripts");
        var stages = await _db.ScalarAsync<string>("select string_agg(id || stage || stage_changed_at::text, ',' order by id) from brewclip.recordings");
        return $"{vectors}|{segments}|{transcripts}|{stages}";
    }
}
