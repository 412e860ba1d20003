using System.Diagnostics;
using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
using BrewClip.Backfill;
using BrewClip.ImageEmbedding;
using BrewClip.Models.Clip;
using BrewClip.Models.Heads;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;
using NpgsqlTypes;

using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Benchmarks;

/// <summary>
/// Re-embedding from cached features when a version is promoted. Images: items per second through the
/// backfill's own batches (read cached embeddings, the version's image head, binary COPY and upsert, cursor and
/// count, one transaction a batch) into a scratch database with no index on the new version yet, against a raw
/// binary COPY of as many 512-d halfvec rows into a bare table in the same run; the head's share is timed on the
/// same rows. Audio: the audio head's forward on whisper-base-shaped cached features (512-wide Whisper and CLIP
/// states), for a 30 s and a 5 s segment and with a single frame (about the pipeline channel alone).
/// </summary>
internal static class ReembedBenchmark
{
    public static async Task RunAsync(bool quick)
    {
        await ImagesAsync(quick ? 20_000 : 100_000);
        Audio(quick);
    }

    private static async Task ImagesAsync(int count)
    {
        const int batchSize = 2000;
        await using var database = await TestDatabase.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("brewclip-reembed-").FullName;
        try
        {
            await SeedAsync(database, count);
            SafetensorsFile.Write(Path.Combine(folder, ImageHead.FileName),
                [new("adapter.weight", Tensor.RandomNormal(new Random(1), 0.01f, 512, 512)), new("adapter.bias", Tensor.RandomNormal(new Random(2), 0.01f, 512))]);
            await database.ExecuteAsync($"insert into brewclip.model_versions (version, status, description, artifact_uri) values (1, 'backfilling', 'bench', '{new Uri(folder).AbsoluteUri}')");
            var heads = new ImageHeads(new FileSystemArtifactStore(folder));
            var served = new ServedModels("clip-vit-base-patch32", "whisper-base");
            // The cached embeddings are all the served CLIP's, so the backfill never embeds an image again (nor needs a tower).
            var source = new ImageBackfillSource(heads, new ImageStore(database.DataSource, served), served,
                new NoServices(), NullLogger<ImageBackfillSource>.Instance);

            var raw = await RawCopyAsync(database, count);
            var clock = Stopwatch.StartNew();
            BackfillBatchOutcome outcome;
            do
            {
                outcome = await BackfillBatch.RunAsync(database.DataSource, source, 1, batchSize, recount: false, CancellationToken.None);
            }
            while (outcome is BackfillBatchOutcome.Progress);
            var service = clock.Elapsed;
            var written = await database.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1");

            // The head alone on the same rows, as the batches apply it.
            var rows = await CachedAsync(database);
            var version = new ModelVersion(1, ModelVersionStatus.Backfilling, new Uri(folder).AbsoluteUri);
            await heads.VectorsAsync(version, rows.Take(batchSize).ToList());
            clock.Restart();
            for (var offset = 0; offset < rows.Count; offset += batchSize)
            {
                await heads.VectorsAsync(version, rows.GetRange(offset, Math.Min(batchSize, rows.Count - offset)));
            }
            var head = clock.Elapsed;

            Console.WriteLine($"reembed images: {count} cached embeddings, batches of {batchSize}, {written} vectors written");
            Console.WriteLine($"  service backfill  {count / service.TotalSeconds,9:F0} items/s  ({service.TotalSeconds:F2} s; head {head / service:P0}, Postgres and the rest {1 - head / service:P0})");
            Console.WriteLine($"  raw binary COPY   {count / raw.TotalSeconds,9:F0} rows/s   ({raw.TotalSeconds:F2} s)");
            Console.WriteLine($"  ratio service/raw {raw / service:F2}; head alone {count / head.TotalSeconds:F0} items/s");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Audio(bool quick)
    {
        var config = new AudioHeadConfig(TextWidth: 512, WhisperWidth: 512);
        var head = new AudioHead(config, new Random(3));
        head.Training = false;
        var random = new Random(4);
        var tokens = Tensor.RandomNormal(random, 1f, ClipTokenizer.ContextLength, config.TextWidth);
        var embeds = Tensor.RandomNormal(random, 1f, config.EmbeddingSize);
        var runs = quick ? 3 : 7;
        Console.WriteLine($"reembed audio: head forward on whisper-base-shaped features (head width {config.HeadWidth}, {config.Heads} heads), median of {runs}");
        foreach (var frames in new[] { 1500, 250, 1 })
        {
            var states = Tensor.RandomNormal(random, 1f, frames, config.WhisperWidth);
            var time = Timing.Median(() =>
            {
                using var _ = GradMode.Disable();
                head.Forward(tokens, 20, embeds, states);
            }, warmup: 1, runs: runs);
            var label = frames switch { 1500 => "30 s segment", 250 => "5 s segment", _ => "1 frame (~pipeline channel alone)" };
            Console.WriteLine($"  {label,-34} {time.TotalMilliseconds,8:F1} ms  {1 / time.TotalSeconds,7:F1} segments/s");
        }

        // 30 s windows as the backfill runs them (AudioHeadBatches' plan): a head trained without pooling (the default
        // before), batches of 2; one trained with 4 frames pooled (Training:AcousticPool's default now), batches of up to 32.
        var windows = quick ? 16 : 64;
        var inputs = Enumerable.Range(0, windows)
            .Select(_ => new AudioHeadInput(tokens, 20, embeds.ToArray(), Tensor.RandomNormal(random, 1f, 1500, config.WhisperWidth))).ToList();
        Console.WriteLine($"reembed audio: {windows} windows of 30 s through the head in the backfill's batches, median of {runs}");
        double? before = null;
        foreach (var pool in new[] { 1, 4 })
        {
            var pooled = new AudioHead(config with { FramePool = pool }, new Random(3)) { Training = false };
            var plan = AudioHeadBatches.Plan(inputs.Select(i => i.WhisperStates.Shape[0]), pool);
            var time = Timing.Median(() =>
            {
                using var _ = GradMode.Disable();
                var start = 0;
                foreach (var size in plan)
                {
                    pooled.Forward(inputs.GetRange(start, size));
                    start += size;
                }
            }, warmup: 1, runs: runs);
            var rate = windows / time.TotalSeconds;
            before ??= rate;
            Console.WriteLine($"  pool {pool}, batches of {plan[0],2}: {rate,7:F1} segments/s  ({rate / before.Value:F2}x pool 1)");
        }
    }

    private static async Task SeedAsync(TestDatabase database, int count)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var command = new NpgsqlCommand($"""
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                       select sha256(convert_to('bench ' || g, 'UTF8')), 'image', 'accepted', 1000 from generate_series(1, {count}) g returning id)
            insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///bench/' || id || '.png', 'embedded' from m
            """, connection) { CommandTimeout = 0 })
        {
            await command.ExecuteNonQueryAsync();
        }
        var ids = await database.ColumnAsync<long>("select id from brewclip.images order by id");
        var random = new Random(5);
        await using var importer = await connection.BeginBinaryImportAsync("copy brewclip.image_features (image_id, image_embeds, clip_model) from stdin (format binary)");
        var vector = new float[512];
        foreach (var id in ids)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] = (float)(random.NextDouble() - 0.5);
            }
            await importer.StartRowAsync();
            await importer.WriteAsync(id, NpgsqlDbType.Bigint);
            await importer.WriteAsync(VectorValues.ToVector(vector));
            await importer.WriteAsync("clip-vit-base-patch32", NpgsqlDbType.Text);
        }
        await importer.CompleteAsync();
    }

    private static async Task<TimeSpan> RawCopyAsync(TestDatabase database, int count)
    {
        await database.ExecuteAsync("create table raw_vectors (id bigint primary key, embedding halfvec(512) not null)");
        var random = new Random(6);
        var rows = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToList();
        var clock = Stopwatch.StartNew();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync("copy raw_vectors (id, embedding) from stdin (format binary)");
        for (var i = 0; i < rows.Count; i++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync((long)i, NpgsqlDbType.Bigint);
            await importer.WriteAsync(VectorValues.ToHalfVector(rows[i]));
        }
        await importer.CompleteAsync();
        return clock.Elapsed;
    }

    private static async Task<List<(long Id, float[] Embedding)>> CachedAsync(TestDatabase database)
    {
        await using var command = database.DataSource.CreateCommand("select image_id, image_embeds from brewclip.image_features order by image_id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, float[])>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetFieldValue<Pgvector.Vector>(1).ToArray()));
        }
        return rows;
    }

    /// <summary>The backfill asks for the vision tower only for images another CLIP embedded; here there are none.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
