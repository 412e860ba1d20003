using System.Diagnostics;
using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A test database seeded with items whose features are cached (as Transcription, AcousticEmbedding and
/// ImageEmbedding leave them) and version-0 vectors, a model store of its own (the fixture CLIP and Whisper
/// models linked in, versions written beside them), and the real embedding and Training services on one
/// queue prefix, as one deployment runs them.
/// </summary>
internal sealed class PromotionStack : IAsyncDisposable
{
    /// <summary>Width of the fixture models' CLIP text states and Whisper encoder states.</summary>
    public const int FixtureWidth = 16;

    private readonly List<ServiceProcess> _services = [];
    private S3rverProcess? _s3;
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";

    private PromotionStack(TestDatabase db, string folder)
    {
        Db = db;
        Folder = folder;
        Models = ModelStore("models");
        Artifacts = Directory.CreateDirectory(Path.Combine(folder, "artifacts")).FullName;
    }

    /// <summary>A model store of its own (as another machine has), with the fixture CLIP and Whisper models linked in.</summary>
    public string ModelStore(string name)
    {
        var models = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        var fixtures = Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models");
        foreach (var model in new[] { "clip-vit-base-patch32", "whisper-base" })
        {
            Directory.CreateSymbolicLink(Path.Combine(models, model), Path.Combine(fixtures, model));
        }
        return models;
    }

    /// <summary>The URI the deployment's artifact store gives <paramref name="key"/>.</summary>
    public string ArtifactUri(string key) => _s3 is null ? new Uri(Path.Combine(Artifacts, key)).AbsoluteUri : $"s3://artifacts/deployment/{key}";

    public TestDatabase Db { get; }

    public string Folder { get; }

    public string Models { get; }

    public string Artifacts { get; }

    public IReadOnlyList<ServiceProcess> Services => _services;

    public static async Task<PromotionStack> CreateAsync()
        => new(await TestDatabase.CreateAsync(), Directory.CreateTempSubdirectory("brewclip-promotion-").FullName);

    /// <summary>
    /// From now on the deployment's artifact store is a bucket of an s3rver started for it (the seeded features stay
    /// files, read through their file:// URIs as a deployment moved to S3 reads what it wrote before).
    /// </summary>
    public async Task UseS3ArtifactsAsync() => _s3 ??= await S3rverProcess.StartAsync("artifacts");

    /// <summary>The keys of the objects in the S3 artifact bucket.</summary>
    public Task<List<string>> ArtifactKeysAsync() => _s3!.KeysAsync("artifacts");

    private string ArtifactScratch => Path.Combine(Folder, "artifact-scratch");

    /// <summary>A version's heads, read from the artifact store as the services read them, into a folder of the test's.</summary>
    public async Task<string> FetchHeadsAsync(int version)
    {
        var uri = await Db.ScalarAsync<string>($"select artifact_uri from brewclip.model_versions where version = {version}");
        var store = _s3 is null ? new FileSystemArtifactStore(Artifacts)
            : (IArtifactStore)new S3ArtifactStore(new S3Endpoint(_s3.Url, "us-east-1", true, S3rverProcess.AccessKey, S3rverProcess.AccessKey), "artifacts", "deployment", ArtifactScratch);
        try
        {
            using var fetched = await store.FetchFolderAsync(uri, HeadFolder.Files);
            var folder = Directory.CreateDirectory(Path.Combine(Folder, $"fetched-heads-{version}")).FullName;
            foreach (var file in HeadFolder.Files)
            {
                File.Copy(Path.Combine(fetched.Path, file), Path.Combine(folder, file), overwrite: true);
            }
            return folder;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>The settings every program of this deployment gets.</summary>
    public Dictionary<string, string> Settings(int port, Dictionary<string, string>? extra = null)
    {
        var settings = StackSettings.For(Db, port);
        settings["BREWCLIP__RabbitMq__QueuePrefix"] = _prefix;
        settings["BREWCLIP__Models__Root"] = Models;
        settings["BREWCLIP__Artifacts__Root"] = Artifacts;
        settings["BREWCLIP__Backfill__PollSeconds"] = "2";
        settings["BREWCLIP__Training__PromotionPollSeconds"] = "2";
        foreach (var (key, value) in _s3?.ArtifactSettings("artifacts", "deployment", ArtifactScratch) ?? [])
        {
            settings[key] = value;
        }
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    public string Queue(string owner, string consumer) => _prefix + owner + "-" + consumer;

    /// <summary>Starts a service and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(string project, Dictionary<string, string>? extra = null)
    {
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(project, Settings(port, extra));
        _services.Add(service);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        return service;
    }

    /// <summary>Runs the brewclip command with this deployment's settings.</summary>
    public Task<ServiceProcess> CliAsync(params string[] args) => CliAsync(null, args);

    /// <summary>Runs the brewclip command with this deployment's settings, some changed.</summary>
    public async Task<ServiceProcess> CliAsync(Dictionary<string, string>? extra, params string[] args)
    {
        var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort(), extra), null, args);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromSeconds(240)), $"brewclip {string.Join(' ', args)} did not end.\n{cli}");
        return cli;
    }

    /// <summary>Images with cached CLIP embeddings (seeded random, 512-d) and their version-0 vectors, as ImageEmbedding leaves them.</summary>
    public async Task SeedImagesAsync(int count, double seed = 0.25)
    {
        await Db.ExecuteAsync($"""
            -- Loaded first and indexed after, as a bulk load should be (rows inserted into a live HNSW graph go in one by one).
            drop index brewclip.image_vectors_hnsw_v0;
            select setseed({seed.ToString(System.Globalization.CultureInfo.InvariantCulture)});
            with m as (
                insert into brewclip.media (content_hash, kind, status, size_bytes)
                select sha256(convert_to('seeded image ' || g || ' {seed}', 'UTF8')), 'image', 'accepted', 1000 from generate_series(1, {count}) g
                returning id),
            i as (insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///seeded/' || id || '.png', 'embedded' from m returning id)
            insert into brewclip.image_features (image_id, image_embeds, clip_model)
            select i.id, v.e, 'clip-vit-base-patch32' from i cross join lateral (select array_agg(random() - 0.5)::vector as e from generate_series(1, 512) where i.id > 0) v;
            insert into brewclip.image_vectors (model_version, image_id, embedding)
            select 0, f.image_id, l2_normalize(f.image_embeds)::halfvec(512) from brewclip.image_features f
            on conflict do nothing;
            select brewclip.create_vector_indexes(0);
            """);
    }

    /// <summary>
    /// Recordings of <paramref name="segments"/> segments each, with cached CLIP text states and embedding and
    /// Whisper encoder states (fixture widths) and version-0 vectors, as Transcription and AcousticEmbedding leave them.
    /// </summary>
    public async Task SeedRecordingsAsync(int recordings, int segments)
    {
        var random = new Random(7);
        var features = Directory.CreateDirectory(Path.Combine(Artifacts, "seeded")).FullName;
        for (var r = 0; r < recordings; r++)
        {
            var id = await Db.ScalarAsync<long>($"""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                           values (sha256(convert_to('seeded recording {r}', 'UTF8')), 'audio', 'accepted', 1000) returning id)
                insert into brewclip.recordings (media_id, pcm_uri, duration_seconds, stage) select id, 'file:///seeded.wav', {segments * 30}, 'embedded' from m returning id
                """);
            for (var s = 0; s < segments; s++)
            {
                var tokens = Path.Combine(features, $"{id}-{s}.text.safetensors");
                var encoder = Path.Combine(features, $"{id}-{s}.encoder.safetensors");
                WriteFeatures(tokens, encoder, Tensor.RandomNormal(random, 1f, 77, FixtureWidth), 5 + s, Tensor.RandomNormal(random, 1f, 100 + 20 * s, FixtureWidth));
                var embeds = string.Join(",", Enumerable.Range(0, 512).Select(_ => (random.NextDouble() - 0.5).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
                await Db.ExecuteAsync($"""
                    insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds, text, encoder_states_uri, encoder_frames,
                                                             encoder_width)
                    values ({id}, {s}, {s * 30}, {s * 30 + 30}, 'seeded words {s}', '{new Uri(encoder).AbsoluteUri}', {100 + 20 * s}, {FixtureWidth});
                    insert into brewclip.segment_text_features (recording_id, segment_index, text, text_states_uri, text_embeds, clip_model)
                    values ({id}, {s}, 'seeded words {s}', '{new Uri(tokens).AbsoluteUri}', '[{embeds}]', 'clip-vit-base-patch32');
                    insert into brewclip.audio_vectors (model_version, recording_id, segment_index, embedding)
                    values (0, {id}, {s}, l2_normalize('[{embeds}]'::vector)::halfvec(512));
                    """);
            }
        }
    }

    /// <summary>
    /// Audio-image pairs whose features are cached, as the pipeline leaves them: <paramref name="count"/>
    /// recordings of one segment (<paramref name="frames"/> Whisper frames, random fixture-width features), each
    /// paired by stem with a still image of its own (random 512-d CLIP embedding). About 10% land in validation
    /// (by the recording's content hash). Returns how many are train pairs.
    /// </summary>
    public async Task<long> SeedPairsAsync(int count, int frames = 100, string tag = "pair")
    {
        var random = new Random(11);
        var features = Directory.CreateDirectory(Path.Combine(Artifacts, "seeded-pairs")).FullName;
        string Vector() => "[" + string.Join(",", Enumerable.Range(0, 512).Select(_ => (random.NextDouble() - 0.5).ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
        for (var r = 0; r < count; r++)
        {
            var tokens = Path.Combine(features, $"{tag}-{r}.text.safetensors");
            var encoder = Path.Combine(features, $"{tag}-{r}.encoder.safetensors");
            WriteFeatures(tokens, encoder, Tensor.RandomNormal(random, 1f, 77, FixtureWidth), 6, Tensor.RandomNormal(random, 1f, frames, FixtureWidth));
            await Db.ExecuteAsync($"""
                with a as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                           values (sha256(convert_to('seeded {tag} recording {r}', 'UTF8')), 'audio', 'accepted', 1000) returning id),
                     r as (insert into brewclip.recordings (media_id, pcm_uri, duration_seconds, stage) select id, 'file:///seeded.wav', {frames / 50.0}, 'embedded' from a returning id),
                     s as (insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds, text, encoder_states_uri, encoder_frames,
                                                                    encoder_width)
                           select id, 0, 0, {frames / 50.0}, 'seeded words', '{new Uri(encoder).AbsoluteUri}', {frames}, {FixtureWidth} from r
                           returning recording_id, segment_index),
                     t as (insert into brewclip.segment_text_features (recording_id, segment_index, text, text_states_uri, text_embeds, clip_model)
                           select recording_id, segment_index, 'seeded words', '{new Uri(tokens).AbsoluteUri}', '{Vector()}', 'clip-vit-base-patch32' from s),
                     b as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                           values (sha256(convert_to('seeded {tag} image {r}', 'UTF8')), 'image', 'accepted', 1000) returning id),
                     i as (insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///seeded/{tag}-{r}.png', 'embedded' from b returning id),
                     f as (insert into brewclip.image_features (image_id, image_embeds, clip_model) select id, '{Vector()}', 'clip-vit-base-patch32' from i)
                insert into brewclip.pairs (recording_id, image_id, origin, split) select r.id, i.id, 'stem', 'train' from r, i
                """);
        }
        return await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where split = 'train'");
    }

    /// <summary>
    /// Videos whose frames disagree over time, with their features cached as the pipeline leaves them: each of
    /// <paramref name="count"/> videos shows <paramref name="frames"/> different classes (of <paramref name="classes"/>)
    /// one after another, one frame per equal span, and its audio sounds each class during that class's span (a
    /// class's pattern plus noise in the fixture-width Whisper states, 50 frames a second). Its recording pairs with
    /// every frame, as Ingest pairs a video's audio track. About 10% of the videos land in validation.
    /// </summary>
    public async Task SeedVideoPairsAsync(int count, int frames, int classes, int statesPerSpan = 25)
    {
        var random = new Random(21);
        var patterns = Tensor.RandomNormal(new Random(100), 1, classes, FixtureWidth).ToArray();
        var looks = Tensor.RandomNormal(new Random(200), 1, classes, 512).ToArray();
        var features = Directory.CreateDirectory(Path.Combine(Artifacts, "seeded-videos")).FullName;
        string Literal(IEnumerable<float> values) => "[" + string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
        var span = statesPerSpan / 50.0;
        for (var v = 0; v < count; v++)
        {
            var order = Enumerable.Range(0, classes).OrderBy(_ => random.Next()).Take(frames).ToArray();
            var states = new float[frames * statesPerSpan * FixtureWidth];
            for (var f = 0; f < frames * statesPerSpan; f++)
            {
                for (var d = 0; d < FixtureWidth; d++)
                {
                    states[f * FixtureWidth + d] = patterns[order[f / statesPerSpan] * FixtureWidth + d] + (float)(random.NextDouble() * 2 - 1);
                }
            }
            var tokens = Path.Combine(features, $"{v}.text.safetensors");
            var encoder = Path.Combine(features, $"{v}.encoder.safetensors");
            WriteFeatures(tokens, encoder, Tensor.RandomNormal(random, 1f, 77, FixtureWidth), 6, Tensor.FromArray(states, frames * statesPerSpan, FixtureWidth));
            var frameRows = string.Join(",", order.Select((c, l) =>
                $"({l}, {(l + 0.5) * span}, {l * span}, {(l + 1) * span}, '{Literal(looks.AsSpan(c * 512, 512).ToArray().Select(x => x + (float)(0.3 * (random.NextDouble() * 2 - 1))))}')"));
            await Db.ExecuteAsync($"""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                           values (sha256(convert_to('seeded video {v}', 'UTF8')), 'video', 'accepted', 1000) returning id),
                     r as (insert into brewclip.recordings (media_id, pcm_uri, duration_seconds, stage) select id, 'file:///seeded.wav', {frames * span}, 'embedded' from m returning id),
                     s as (insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds, text, encoder_states_uri, encoder_frames,
                                                                    encoder_width)
                           select id, 0, 0, {frames * span}, 'seeded words', '{new Uri(encoder).AbsoluteUri}', {frames * statesPerSpan}, {FixtureWidth} from r
                           returning recording_id, segment_index),
                     t as (insert into brewclip.segment_text_features (recording_id, segment_index, text, text_states_uri, text_embeds, clip_model)
                           select recording_id, segment_index, 'seeded words', '{new Uri(tokens).AbsoluteUri}',
                                  '{Literal(Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)))}', 'clip-vit-base-patch32' from s),
                     f (frame_index, at, span_start, span_end, embeds) as (values {frameRows}),
                     i as (insert into brewclip.images (media_id, frame_index, frame_time_seconds, frame_start_seconds, frame_end_seconds, image_uri, stage)
                           select m.id, f.frame_index, f.at, f.span_start, f.span_end, 'file:///seeded/video-{v}-' || f.frame_index || '.png', 'embedded' from m, f
                           returning id, frame_index),
                     e as (insert into brewclip.image_features (image_id, image_embeds, clip_model) select i.id, f.embeds::vector, 'clip-vit-base-patch32' from i join f using (frame_index))
                insert into brewclip.pairs (recording_id, image_id, origin, split) select r.id, i.id, 'video', 'train' from r, i
                """);
        }
    }

    /// <summary>A version's heads with both channels and the image adapter switched on (zero projections would change nothing).</summary>
    public string WriteHeads(string name, int whisperWidth = FixtureWidth, int seed = 1) => WriteHeadsTo(Path.Combine(Folder, name), whisperWidth, seed);

    /// <summary>Such heads, for the fixture models, written to <paramref name="folder"/>.</summary>
    public static string WriteHeadsTo(string folder, int whisperWidth = FixtureWidth, int seed = 1)
    {
        var head = new AudioHead(new(TextWidth: FixtureWidth, WhisperWidth: whisperWidth, HeadWidth: 8, Prompts: 2, Heads: 2, EmbeddingSize: 512), new Random(seed));
        head.TextOut.Weight.Load(Tensor.RandomNormal(new Random(seed + 1), 0.3f, 512, FixtureWidth).ToArray());
        head.AudioOut.Weight.Load(Tensor.RandomNormal(new Random(seed + 2), 0.3f, 512, 8).ToArray());
        head.AcousticGate.Load([1f]);
        head.Save(folder);
        var bias = new float[512];
        bias[seed % 512] = 5f;
        SafetensorsFile.Write(Path.Combine(folder, ImageHead.FileName),
            [new("adapter.weight", Tensor.RandomNormal(new Random(seed + 3), 0.01f, 512, 512)), new("adapter.bias", Tensor.FromArray(bias, 512))]);
        return folder;
    }

    public async Task<string> StatusAsync(int version)
        => await Db.ScalarAsync<string>($"select status from brewclip.model_versions where version = {version}");

    /// <summary>Waits until the condition holds, watching the stack's services (see <see cref="Eventually"/>).</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Eventually.UntilAsync(condition, what, _services);

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }
        await Db.DisposeAsync();
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>A segment's cached features as the services write them (<see cref="CachedFeatures"/>).</summary>
    private static void WriteFeatures(string tokensPath, string encoderPath, Tensor tokenStates, int length, Tensor encoderStates)
    {
        using (var tokens = File.Create(tokensPath))
        {
            CachedFeatures.WriteTokenStates(tokens, tokenStates.ToArray(), tokenStates.Shape[0], tokenStates.Shape[1], length);
        }
        using var encoder = File.Create(encoderPath);
        CachedFeatures.WriteEncoderStates(encoder, encoderStates.ToArray(), encoderStates.Shape[0], encoderStates.Shape[1]);
    }
}
