using System.Diagnostics;
using BrewClip.ImageEmbedding;
using BrewClip.Media;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Storage;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Benchmarks;

/// <summary>
/// Images per second through ImageEmbedding's own path (decode + preprocess + one ONNX run per batch +
/// cache + upsert, against a scratch Postgres database) against a raw loop of ONNX runs of the same
/// ViT-B/32-shaped model at the same batch size, in the same run; with the per-image cost of each stage.
/// </summary>
internal static class ImageEmbeddingBenchmark
{
    private const int BatchSize = 32;

    public static async Task RunAsync(bool quick)
    {
        var model = Environment.GetEnvironmentVariable("BREWCLIP_BENCH_VISION_MODEL")
            ?? Path.Combine(FindRoot(), "bench", "models", "clip-vit-b32-random", "vision_model.onnx");
        Console.WriteLine($"# ImageEmbedding service path vs raw ONNX Runtime, batch {BatchSize}");
        if (!File.Exists(model))
        {
            Console.WriteLine($"skipped: {model} is missing; make it with `/usr/bin/python3 tests/fixtures/make_clip_fixtures.py --full bench/models/clip-vit-b32-random`");
            Console.WriteLine();
            return;
        }
        var batches = quick ? 2 : 4;
        var folder = Directory.CreateTempSubdirectory("brewclip-bench-images-").FullName;
        try
        {
            var paths = MakeImages(folder, BatchSize * batches);
            var environment = OnnxEnvironment.Shared();
            using var tower = new ClipVisionTower(environment, model);

            // Raw baseline: the model alone on ready-made pixel values.
            var pixels = new float[BatchSize * ClipImagePreprocessor.ValuesPerImage];
            for (var i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (i % 97) / 50f - 1f;
            }
            tower.Embed(pixels, BatchSize); // warm-up: the first run plans memory
            var raw = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                tower.Embed(pixels, BatchSize);
            }
            var rawPerImage = raw.Elapsed / (batches * BatchSize);

            await using var database = await TestDatabase.CreateAsync();
            var ids = await RegisterImagesAsync(database, paths);
            var tools = new ToolRunner(new MediaToolOptions());
            var decoder = new CenterCropDecoder(tools);
            var preprocessor = new ClipImagePreprocessor(decoder);
            var versions = new ModelVersionStore(database.DataSource);
            var writer = new VectorIndexWriter(database.DataSource);
            var store = new ImageStore(database.DataSource);
            var indexer = new ImageIndexer(store, preprocessor, tower, new ImageHeads(tower.EmbeddingSize), versions, writer,
                NullLogger<ImageIndexer>.Instance);

            // The service path, batch after batch, as the consumer runs it.
            var service = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                await indexer.IndexAsync(ids.Skip(b * BatchSize).Take(BatchSize).ToList(), CancellationToken.None);
            }
            var servicePerImage = service.Elapsed / (batches * BatchSize);

            // Stage by stage, on one batch.
            var batch = paths.Take(BatchSize).ToList();
            var clock = Stopwatch.StartNew();
            var decoded = await decoder.DecodeAsync(batch);
            var decode = clock.Elapsed / BatchSize;
            clock.Restart();
            for (var i = 0; i < decoded.Count; i++)
            {
                ClipImagePreprocessor.ToPixelValues(decoded[i].Rgb!, pixels.AsSpan(i * ClipImagePreprocessor.ValuesPerImage, ClipImagePreprocessor.ValuesPerImage));
            }
            var preprocess = clock.Elapsed / BatchSize;
            clock.Restart();
            var embeddings = tower.Embed(pixels, BatchSize);
            var modelTime = clock.Elapsed / BatchSize;
            clock.Restart();
            await writer.UpsertImageVectorsAsync(0, ids.Take(BatchSize).Select((id, i) => new ImageVector(id, embeddings.Row(i).ToArray().Select(v => -v).ToArray())).ToList());
            var write = clock.Elapsed / BatchSize;

            Console.WriteLine($"raw ONNX loop:  {1 / rawPerImage.TotalSeconds,7:F1} images/s");
            Console.WriteLine($"service path:   {1 / servicePerImage.TotalSeconds,7:F1} images/s   ratio {rawPerImage / servicePerImage:F2} (target 0.85)");
            Console.WriteLine($"per image: decode {decode.TotalMilliseconds:F1} ms, preprocess {preprocess.TotalMilliseconds:F2} ms, " +
                $"model {modelTime.TotalMilliseconds:F1} ms, write {write.TotalMilliseconds:F2} ms");
            Console.WriteLine();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<long>> RegisterImagesAsync(TestDatabase database, IReadOnlyList<string> paths)
    {
        var ids = new List<long>();
        foreach (var path in paths)
        {
            await using var command = database.DataSource.CreateCommand("""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256($1), 'image', 'accepted', 1) returning id)
                insert into brewclip.images (media_id, image_uri) select id, $2 from m returning id
                """);
            command.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes(path) });
            command.Parameters.Add(new() { Value = ArtifactPaths.ToUri(path) });
            ids.Add((long)(await command.ExecuteScalarAsync())!);
        }
        return ids;
    }

    private static List<string> MakeImages(string folder, int count)
    {
        var paths = Enumerable.Range(0, count).Select(i => Path.Combine(folder, $"image{i:D3}.jpg")).ToList();
        Parallel.ForEach(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 2 },
            i => TestMedia.Ffmpeg("-f", "lavfi", "-i", $"testsrc2=size=640x480:r=1,hue=h={i * 11}", "-frames:v", "1", paths[i]));
        return paths;
    }

    internal static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrewClip.Pipeline.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
