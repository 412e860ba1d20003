using System.Diagnostics;
using BrewClip.ImageEmbedding;
using BrewClip.Media;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Benchmarks;

/// <summary>
/// Images per second through ImageEmbedding's own path (Ingest's stored crop read, or the image decoded +
/// preprocess + one ONNX run per batch + cache + upsert, against a scratch Postgres database) against a raw
/// loop of ONNX runs of the same ViT-B/32-shaped model at the same batch size, in the same run; with the
/// per-image cost of each stage, and what writing the crop adds to Ingest's own export of each image.
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
        var batches = quick ? 2 : 8;
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
            var loop = Stopwatch.StartNew();
            for (var b = 0; b < batches; b++)
            {
                tower.Embed(pixels, BatchSize);
            }
            var loopPerImage = loop.Elapsed / (batches * BatchSize);

            // Ingest's side: the ffmpeg process that stores each image as PNG, with and without CLIP's crop beside it.
            var tools = new ToolRunner(new MediaToolOptions());
            var exporter = new FrameExporter(tools);
            var pngOnly = await ExportAllAsync(paths, folder, "png-only", (path, png, _) => exporter.ExportImageAsync(path, png));
            var withCrop = await ExportAllAsync(paths, folder, "with-crop", (path, png, crop) => exporter.ExportImageAsync(path, png, crop));

            await using var database = await TestDatabase.CreateAsync();
            var decoder = new CenterCropDecoder(tools);
            var preprocessor = new ClipImagePreprocessor(decoder);
            var writer = new VectorIndexWriter(database.DataSource);
            var served = new ServedModels("clip-vit-base-patch32", "whisper-base");
            var store = new ImageStore(database.DataSource, served);
            var artifacts = new FileSystemArtifactStore(folder);
            var features = new ImageFeatures(store, preprocessor, tower, artifacts, NullLogger<ImageFeatures>.Instance);
            var indexer = new ImageIndexer(store, features, new ImageHeads(artifacts), writer, served, NullLogger<ImageIndexer>.Instance);

            // The same images twice: with the crops Ingest stored (the normal case), and without (decoded by ffmpeg here).
            var cropIds = await RegisterImagesAsync(database, paths, withCrop.Crops);
            var decodeIds = await RegisterImagesAsync(database, paths, null);

            // Stage by stage, on one batch, then the service path.
            var clock = Stopwatch.StartNew();
            var crops = await Task.WhenAll(withCrop.Crops!.Take(BatchSize).Select(c => File.ReadAllBytesAsync(c)));
            var readCrop = clock.Elapsed / BatchSize;
            var batch = paths.Take(BatchSize).ToList();
            clock.Restart();
            var decoded = await decoder.DecodeAsync(batch);
            var decode = clock.Elapsed / BatchSize;
            clock.Restart();
            for (var i = 0; i < decoded.Count; i++)
            {
                ClipImagePreprocessor.ToPixelValues(crops[i], pixels.AsSpan(i * ClipImagePreprocessor.ValuesPerImage, ClipImagePreprocessor.ValuesPerImage));
            }
            var preprocess = clock.Elapsed / BatchSize;
            clock.Restart();
            var embeddings = tower.Embed(pixels, BatchSize);
            var modelTime = clock.Elapsed / BatchSize;
            clock.Restart();
            await writer.UpsertImageVectorsAsync(0, cropIds.Take(BatchSize).Select((id, i) => new ImageVector(id, embeddings.Row(i).ToArray().Select(v => -v).ToArray())).ToList());
            var write = clock.Elapsed / BatchSize;

            // The service path batch after batch, as the consumer runs it; raw runs, crops and decoding take turns,
            // so drifting load on a shared machine hits all three alike.
            var (raw, fromCrops, fromDecode) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
            for (var b = 0; b < batches; b++)
            {
                var clockRaw = Stopwatch.StartNew();
                tower.Embed(pixels, BatchSize);
                raw += clockRaw.Elapsed;
                fromCrops += await TimeServiceAsync(indexer, cropIds.Skip(b * BatchSize).Take(BatchSize).ToList());
                fromDecode += await TimeServiceAsync(indexer, decodeIds.Skip(b * BatchSize).Take(BatchSize).ToList());
            }
            var images = batches * BatchSize;
            var (rawPerImage, cropsPerImage, decodePerImage) = (raw / images, fromCrops / images, fromDecode / images);

            Console.WriteLine($"raw ONNX runs:              {1 / rawPerImage.TotalSeconds,7:F1} images/s   (taking turns with the service batches)");
            Console.WriteLine($"service path, Ingest crops: {1 / cropsPerImage.TotalSeconds,7:F1} images/s   ratio {rawPerImage / cropsPerImage:F2} (target 0.85)");
            Console.WriteLine($"service path, decoding:     {1 / decodePerImage.TotalSeconds,7:F1} images/s   ratio {rawPerImage / decodePerImage:F2} (images registered without crops)");
            Console.WriteLine($"raw ONNX runs back to back: {1 / loopPerImage.TotalSeconds,7:F1} images/s   against which: crops {loopPerImage / cropsPerImage:F2}, decoding {loopPerImage / decodePerImage:F2}");
            Console.WriteLine($"per image: read crop {readCrop.TotalMilliseconds:F2} ms (decode instead {decode.TotalMilliseconds:F1} ms), " +
                $"preprocess {preprocess.TotalMilliseconds:F2} ms, model {modelTime.TotalMilliseconds:F1} ms, write {write.TotalMilliseconds:F2} ms");
            Console.WriteLine($"Ingest's frame export per image, 2 at a time: PNG only {pngOnly.PerImage.TotalMilliseconds:F1} ms, " +
                $"PNG + crop {withCrop.PerImage.TotalMilliseconds:F1} ms (crop adds {(withCrop.PerImage - pngOnly.PerImage).TotalMilliseconds:F1} ms)");
            Console.WriteLine();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<TimeSpan> TimeServiceAsync(ImageIndexer indexer, List<long> batch)
    {
        var clock = Stopwatch.StartNew();
        await indexer.IndexAsync(batch, CancellationToken.None);
        return clock.Elapsed;
    }

    /// <summary>Exports every image as Ingest does, two at a time (the machine's cores); the time per image and the crops made.</summary>
    private static async Task<(TimeSpan PerImage, List<string>? Crops)> ExportAllAsync(
        List<string> paths, string folder, string name, Func<string, string, string, Task<string?>> export)
    {
        var output = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        var crops = paths.Select((_, i) => Path.Combine(output, $"{i:D3}.rgb")).ToList();
        await export(paths[0], Path.Combine(output, "warm-up.png"), Path.Combine(output, "warm-up.rgb"));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
        {
            if (await export(paths[i], Path.Combine(output, $"{i:D3}.png"), crops[i]) is { } error)
            {
                throw new InvalidOperationException($"{paths[i]}: {error}");
            }
        });
        var perImage = clock.Elapsed / paths.Count;
        return (perImage, crops.All(File.Exists) ? crops : null);
    }

    private static async Task<List<long>> RegisterImagesAsync(TestDatabase database, IReadOnlyList<string> paths, IReadOnlyList<string>? crops)
    {
        var ids = new List<long>();
        for (var i = 0; i < paths.Count; i++)
        {
            await using var command = database.DataSource.CreateCommand("""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256($1), 'image', 'accepted', 1) returning id)
                insert into brewclip.images (media_id, image_uri, clip_crop_uri) select id, $2, $3 from m returning id
                """);
            command.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes(paths[i] + (crops is null ? "" : "+crop")) });
            command.Parameters.Add(new() { Value = ArtifactPaths.ToUri(paths[i]) });
            command.Parameters.Add(new() { Value = crops is null ? DBNull.Value : ArtifactPaths.ToUri(crops[i]) });
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
