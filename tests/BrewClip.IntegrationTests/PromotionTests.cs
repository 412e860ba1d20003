using BrewClip.Autograd.Safetensors;
using BrewClip.Contracts;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Promotion through the real ImageEmbedding, AcousticEmbedding and Training services, RabbitMQ and Postgres:
/// candidate -> backfilling -> active, reaching both embedding services, resuming after kill -9, covering items
/// that arrive meanwhile, never interrupting search, rolling back, and rejecting a version that cannot be used.
/// These run alone: Training's request and failure messages go to every Training service on the test broker.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class PromotionTests
{
    [Fact]
    public async Task One_promotion_re_embeds_both_kinds_in_both_services_and_activates_the_version()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(300);
        await stack.SeedRecordingsAsync(recordings: 10, segments: 2);
        await stack.StartAsync("BrewClip.ImageEmbedding");
        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.StartAsync("BrewClip.Training");
        var heads = stack.WriteHeads("trained-elsewhere");

        var promote = await stack.CliAsync("models", "promote", heads, "--wait");

        Assert.True(promote.ExitCode == 0, promote + string.Join("\n", stack.Services));
        Assert.Contains("version 1: registered and promoted", promote.Stdout, StringComparison.Ordinal);
        Assert.Equal("active", await stack.StatusAsync(1));
        Assert.Equal("retired", await stack.StatusAsync(0));
        // Each service read the promotion from a queue of its own.
        Assert.Equal(0, await RabbitMqManagement.MessagesAsync(stack.Queue("image-embedding", "model-promoted")));
        Assert.True(await RabbitMqManagement.ExistsAsync(stack.Queue("image-embedding", "model-promoted")));
        Assert.True(await RabbitMqManagement.ExistsAsync(stack.Queue("acoustic-embedding", "model-promoted")));
        // Both kinds, every item, counted once.
        Assert.Equal("300/300 20/20", await stack.Db.ScalarAsync<string>("""
            select string_agg(done || '/' || total, ' ' order by kind desc) from brewclip.backfills where model_version = 1 and finished_at is not null
            """));
        Assert.Equal(300L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(20L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"));
        // The heads were uploaded to the artifact store (the version's URI names their folder there), and the version's indexes were built.
        Assert.StartsWith(new Uri(Path.Combine(stack.Artifacts, "heads")).AbsoluteUri + "/",
            await stack.Db.ScalarAsync<string>("select artifact_uri from brewclip.model_versions where version = 1"), StringComparison.Ordinal);
        var heads1 = await stack.FetchHeadsAsync(1);
        Assert.Equal(2L, await stack.Db.ScalarAsync<long>("""
            select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid
            where c.relname in ('image_vectors_hnsw_v1', 'audio_vectors_hnsw_v1') and i.indisvalid
            """));

        // A stored vector is the new head's output on the cached features.
        var imageId = await stack.Db.ScalarAsync<long>("select min(image_id) from brewclip.image_features");
        var feature = await stack.Db.VectorAsync($"select image_embeds from brewclip.image_features where image_id = {imageId}");
        var expected = BrewClip.Models.Heads.ImageHead.Load(heads1).Apply(feature);
        var stored = await stack.Db.VectorAsync($"select embedding::vector from brewclip.image_vectors where model_version = 1 and image_id = {imageId}");
        Assert.All(Enumerable.Range(0, 512), i => Assert.Equal(expected[i], stored[i], 2));
        // Searches now use version 1: its vector of an image finds that image first.
        Assert.Equal(imageId, await FirstImageAsync(stack, stored));

        var list = await stack.CliAsync("models", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"(?m)^\s+1  active .*\[#{20}\] 100% 20/20 .*\[#{20}\] 100% 300/300", list.Stdout);
        Assert.Matches(@"(?m)^\s+0  retired ", list.Stdout);
    }

    [Fact]
    public async Task With_two_replicas_of_every_service_on_the_S3_store_a_promotion_counts_each_item_once_and_reads_the_heads_from_the_bucket()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.UseS3ArtifactsAsync();
        await stack.SeedImagesAsync(1000);
        await stack.SeedRecordingsAsync(recordings: 10, segments: 2);
        var small = new Dictionary<string, string> { ["BREWCLIP__Backfill__BatchSize"] = "100" };
        foreach (var project in new[] { "BrewClip.ImageEmbedding", "BrewClip.AcousticEmbedding", "BrewClip.Training" })
        {
            await stack.StartAsync(project, small);
            await stack.StartAsync(project, small);
        }
        var before = await stack.CliAsync("embed", "--text", "a dog runs on the grass");
        Assert.True(before.ExitCode == 0, before.ToString());

        var promote = await stack.CliAsync("models", "promote", stack.WriteHeads("trained-elsewhere"), "--wait");

        Assert.True(promote.ExitCode == 0, promote + string.Join("\n", stack.Services));
        // The heads went to the bucket, and every service read them there: no model folder is shared.
        var uri = await stack.Db.ScalarAsync<string>("select artifact_uri from brewclip.model_versions where version = 1");
        Assert.StartsWith("s3://artifacts/deployment/heads/", uri, StringComparison.Ordinal);
        var keys = await stack.ArtifactKeysAsync();
        Assert.All(BrewClip.Models.Heads.HeadFolder.Files, file => Assert.Contains(uri["s3://artifacts/".Length..] + "/" + file, keys));
        Assert.False(Directory.Exists(Path.Combine(stack.Models, "brewclip", "1")));
        var imageId = await stack.Db.ScalarAsync<long>("select min(image_id) from brewclip.image_features");
        var feature = await stack.Db.VectorAsync($"select image_embeds from brewclip.image_features where image_id = {imageId}");
        var expected = BrewClip.Models.Heads.ImageHead.Load(await stack.FetchHeadsAsync(1)).Apply(feature);
        var stored = await stack.Db.VectorAsync($"select embedding::vector from brewclip.image_vectors where model_version = 1 and image_id = {imageId}");
        Assert.All(Enumerable.Range(0, 512), i => Assert.Equal(expected[i], stored[i], 2));
        // A query on another machine (the CLI, with only the bucket's settings) embeds with the new version's heads.
        var after = await stack.CliAsync("embed", "--text", "a dog runs on the grass");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("model version 1", after.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(before.Stdout, after.Stdout);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(stack.Folder, "artifact-scratch"), "*", SearchOption.AllDirectories));
        Assert.Equal("active", await stack.StatusAsync(1));
        // The replicas took turns over the batches: every item re-embedded and counted once.
        Assert.Equal("1000/1000 20/20", await stack.Db.ScalarAsync<string>("""
            select string_agg(done || '/' || total, ' ' order by kind desc) from brewclip.backfills where model_version = 1 and finished_at is not null
            """));
        Assert.Equal(1000L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(20L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"));
        // One version active, whichever Training replica moved it.
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.model_versions where status = 'active'"));
    }

    [Fact]
    public async Task An_embedding_service_killed_mid_backfill_resumes_where_it_stopped_and_counts_each_item_once()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(8_000);
        var small = new Dictionary<string, string> { ["BREWCLIP__Backfill__BatchSize"] = "50" };
        var images = await stack.StartAsync("BrewClip.ImageEmbedding", small);
        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.StartAsync("BrewClip.Training");

        var promote = await stack.CliAsync("models", "promote", stack.WriteHeads("v1"));
        Assert.True(promote.ExitCode == 0, promote.ToString());
        await stack.WaitUntilAsync(async () => await DoneAsync(stack, "image") >= 1_000, "the image backfill to be under way");
        await images.KillAsync();

        // What the killed service committed: its progress and its vectors agree, and it had not finished.
        var done = await DoneAsync(stack, "image");
        Assert.InRange(done, 1_000, 7_999);
        Assert.Equal(done, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal("backfilling", await stack.StatusAsync(1));

        var restarted = await stack.StartAsync("BrewClip.ImageEmbedding", small);
        await stack.WaitUntilAsync(async () => await stack.StatusAsync(1) == "active", "version 1 to become active");
        Assert.Equal("8000/8000", await stack.Db.ScalarAsync<string>("select done || '/' || total from brewclip.backfills where model_version = 1 and kind = 'image'"));
        Assert.Equal(8_000L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        // It continued from its cursor, not from zero: its first batch took the count from where the killed one left it.
        Assert.Contains($"Backfill (image) of model version 1: {done + 50}/8000", restarted.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Backfill (image) of model version 1: 50/8000", restarted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_that_arrive_after_the_backfill_passed_them_get_vectors_for_both_versions()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(50);
        await stack.SeedRecordingsAsync(recordings: 2, segments: 2);
        await stack.StartAsync("BrewClip.ImageEmbedding");
        await stack.StartAsync("BrewClip.Training");
        // AcousticEmbedding is not running yet, so version 1 stays backfilling after the image backfill is done.
        var promote = await stack.CliAsync("models", "promote", stack.WriteHeads("v1"));
        Assert.True(promote.ExitCode == 0, promote.ToString());
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<bool>(
            "select coalesce((select finished_at is not null from brewclip.backfills where model_version = 1 and kind = 'image'), false)"),
            "the image backfill to finish");

        // New images now: the backfill's cursor is past the end, so only the live path can give them version 1's vectors.
        var fresh = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var png = Path.Combine(stack.Folder, $"fresh{i}.png");
            BrewClip.Testing.TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c={new[] { "red", "green", "blue", "white" }[i]}:s=64x48", "-frames:v", "1", png);
            fresh.Add(await stack.Db.ScalarAsync<long>($"""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256(convert_to('{png}', 'UTF8')), 'image', 'accepted', 100) returning id)
                insert into brewclip.images (media_id, image_uri) select id, '{new Uri(png).AbsoluteUri}' from m returning id
                """));
        }
        await using (var publisher = await TestPublisher.StartAsync(stack.Settings(ServiceProcess.FreePort())))
        {
            foreach (var id in fresh)
            {
                await publisher.Bus.Publish(new ImageIngested(id));
            }
        }
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<long>(
            $"select count(*) from brewclip.images where id in ({string.Join(",", fresh)}) and stage = 'embedded'") == fresh.Count, "the new images to be embedded");
        Assert.Equal(fresh.Count * 2L, await stack.Db.ScalarAsync<long>(
            $"select count(*) from brewclip.image_vectors where image_id in ({string.Join(",", fresh)}) and model_version in (0, 1)"));

        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.WaitUntilAsync(async () => await stack.StatusAsync(1) == "active", "version 1 to become active");
        Assert.Equal(54L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(4L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"));
    }

    [Fact]
    public async Task Searches_keep_answering_through_a_whole_promotion()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(3_000);
        await stack.SeedRecordingsAsync(recordings: 4, segments: 2);
        await stack.StartAsync("BrewClip.ImageEmbedding", new() { ["BREWCLIP__Backfill__BatchSize"] = "200" });
        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.StartAsync("BrewClip.Training");
        var query = await stack.Db.VectorAsync("select image_embeds from brewclip.image_features order by image_id limit 1");

        using var stop = new CancellationTokenSource();
        var (searches, empty, versions) = (0, 0, new HashSet<int>());
        var searching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var command = stack.Db.DataSource.CreateCommand("""
                    select (select count(*) from brewclip.search_images($1, 10)), (select count(*) from brewclip.search_audio($1, 5)), brewclip.active_model_version()
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                Interlocked.Increment(ref searches);
                // Audio search answers one row per recording (its best segment): all four.
                if (reader.GetInt64(0) != 10 || reader.GetInt64(1) != 4)
                {
                    empty++;
                }
                versions.Add(reader.GetInt32(2));
            }
        });
        var promote = await stack.CliAsync("models", "promote", stack.WriteHeads("v1"), "--wait");
        // A few searches more once version 1 is active, so the switch itself is searched through.
        var afterPromotion = Volatile.Read(ref searches);
        await stack.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref searches) >= afterPromotion + 10), "ten searches after the promotion");
        await stop.CancelAsync();
        await searching;

        Assert.True(promote.ExitCode == 0, promote.ToString());
        Assert.Equal([0, 1], versions.Order());
        Assert.Equal(0, empty);
        Assert.True(searches > 20, $"only {searches} searches ran");
    }

    [Fact]
    public async Task Activate_rolls_back_at_once_and_retention_drops_what_is_no_longer_kept()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(100);
        await stack.SeedRecordingsAsync(recordings: 2, segments: 1);
        await stack.StartAsync("BrewClip.ImageEmbedding");
        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.StartAsync("BrewClip.Training", new() { ["BREWCLIP__Training__RetainVersions"] = "2" });
        Assert.Equal(0, (await stack.CliAsync("models", "promote", stack.WriteHeads("v1", seed: 1), "--wait")).ExitCode);

        var back = await stack.CliAsync("models", "activate", "0");
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains("version 0: active (version 1 retired)", back.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await stack.Db.ScalarAsync<int>("select brewclip.active_model_version()"));
        // Searches follow at once: version 0's vector of an image finds it first with distance 0.
        var v0 = await stack.Db.VectorAsync("select embedding::vector from brewclip.image_vectors where model_version = 0 order by image_id limit 1");
        Assert.Equal(await stack.Db.ScalarAsync<long>("select min(image_id) from brewclip.image_vectors"), await FirstImageAsync(stack, v0));

        Assert.Equal(0, (await stack.CliAsync("models", "activate", "1")).ExitCode);
        Assert.Equal(0, (await stack.CliAsync("models", "promote", stack.WriteHeads("v2", seed: 2), "--wait")).ExitCode);
        // Versions 2 (active) and 1 (the last retired) are kept; version 0's vectors and indexes are dropped.
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0") == 0,
            "retention to drop version 0's vectors");
        Assert.Equal(0L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"));
        Assert.Equal(100L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(0L, await stack.Db.ScalarAsync<long>("select count(*) from pg_class where relname like '%_hnsw_v0'"));

        var refused = await stack.CliAsync("models", "activate", "0");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("dropped by retention (Training:RetainVersions=2)", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, await stack.Db.ScalarAsync<int>("select brewclip.active_model_version()"));
        var list = await stack.CliAsync("models", "list");
        Assert.Matches(@"(?m)^\s+0  retired\* .*vectors dropped by retention", list.Stdout);
    }

    [Fact]
    public async Task A_version_that_cannot_be_used_is_refused_or_rejected_and_the_active_one_keeps_serving()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedImagesAsync(50);
        await stack.SeedRecordingsAsync(recordings: 2, segments: 1);
        await stack.StartAsync("BrewClip.ImageEmbedding");
        await stack.StartAsync("BrewClip.AcousticEmbedding");
        await stack.StartAsync("BrewClip.Training");

        // Corrupt files are refused before anything is published or registered.
        var corrupt = stack.WriteHeads("corrupt");
        await File.WriteAllBytesAsync(Path.Combine(corrupt, "image_head.safetensors"), [1, 2, 3]);
        var refused = await stack.CliAsync("models", "promote", corrupt);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not promoted", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.model_versions"));

        // A CLI whose artifact store is not the deployment's: Training refuses heads it cannot reach as its own, and the upload is removed.
        var elsewhere = Path.Combine(stack.Folder, "not-the-deployments-artifacts");
        var misplaced = await stack.CliAsync(new Dictionary<string, string> { ["BREWCLIP__Artifacts__Root"] = elsewhere }, "models", "promote", stack.WriteHeads("misplaced"));
        Assert.Equal(1, misplaced.ExitCode);
        Assert.Contains("refused: '" + new Uri(Path.Combine(elsewhere, "heads")).AbsoluteUri, misplaced.Stderr, StringComparison.Ordinal);
        Assert.Contains("is not under the artifact store's " + new Uri(Path.Combine(stack.Artifacts, "heads")).AbsoluteUri, misplaced.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(elsewhere, "*", SearchOption.AllDirectories));
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.model_versions"));

        // Heads that read, but whose acoustic channel expects 24-wide Whisper states where the cache holds 16: the audio backfill fails.
        var mismatched = stack.WriteHeads("mismatched", whisperWidth: 24);
        var promote = await stack.CliAsync("models", "promote", mismatched, "--wait");
        // Exit 4: the version did not become active; the last line says where it is and why.
        Assert.True(promote.ExitCode == 4, promote.ToString());
        Assert.Contains("version 1 rejected: ", promote.Stdout, StringComparison.Ordinal);
        Assert.Equal("rejected", await stack.StatusAsync(1));
        Assert.Contains("the audio backfill failed", await stack.Db.ScalarAsync<string>("select status_reason from brewclip.model_versions where version = 1"), StringComparison.Ordinal);
        Assert.Contains("rejected", promote.Stdout, StringComparison.Ordinal);
        Assert.Equal("active", await stack.StatusAsync(0));
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1") == 0,
            "the rejected version's vectors to be dropped");
        var v0 = await stack.Db.VectorAsync("select embedding::vector from brewclip.image_vectors where model_version = 0 order by image_id limit 1");
        Assert.Equal(await stack.Db.ScalarAsync<long>("select min(image_id) from brewclip.image_vectors"), await FirstImageAsync(stack, v0));
    }

    private static async Task<long> DoneAsync(PromotionStack stack, string kind)
        => await stack.Db.ScalarAsync<long?>($"select done from brewclip.backfills where model_version = 1 and kind = '{kind}'") ?? 0;

    private static async Task<long> FirstImageAsync(PromotionStack stack, float[] query)
    {
        await using var command = stack.Db.DataSource.CreateCommand("select image_id from brewclip.search_images($1, 1)");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
