using System.Diagnostics;
using System.Security.Cryptography;
using BrewClip.Contracts;
using BrewClip.Ingest;
using BrewClip.Ingest.Storage;
using BrewClip.Media;
using BrewClip.Storage;
using BrewClip.Testing;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Benchmarks;

/// <summary>
/// Files per second through Ingest's own path (hash, ffprobe, decode into the artifact store, rows in a
/// scratch Postgres database, messages on the test broker) against a raw baseline of SHA-256 + ffprobe
/// on the same files, in the same run and at the same concurrency: small images, then short audio files.
/// </summary>
internal static class IngestBenchmark
{
    private const int Concurrency = 4;

    public static async Task RunAsync(bool quick)
    {
        Console.WriteLine($"# Ingest path vs raw hashing + ffprobe, {Concurrency} files at a time");
        var folder = Directory.CreateTempSubdirectory("brewclip-bench-ingest-").FullName;
        try
        {
            var images = Make(folder, "image", quick ? 24 : 96, i => ["-f", "lavfi", "-i", $"color=c=0x{i * 37 % 256:X2}{i * 11 % 256:X2}{i * 5 % 256:X2}:s=320x240", "-frames:v", "1"], "png");
            var photos = Make(folder, "photo", quick ? 8 : 24, i => ["-f", "lavfi", "-i", $"testsrc2=size=4000x3000,hue=h={i * 15},noise=alls=12:allf=t", "-frames:v", "1", "-q:v", "3"], "jpg");
            var audio = Make(folder, "audio", quick ? 12 : 48, i => ["-f", "lavfi", "-i", $"sine=frequency={200 + i * 7}:duration=3", "-ac", "1"], "wav");

            var rabbit = TestSettings.RabbitMq;
            var bus = Bus.Factory.CreateUsingRabbitMq(transport =>
            {
                transport.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, host =>
                {
                    host.Username(rabbit.Username);
                    host.Password(rabbit.Password);
                });
                transport.ConfigureJsonSerializerOptions(json =>
                {
                    json.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
                    return json;
                });
            });
            await bus.StartAsync();
            try
            {
                // Small images twice: with CLIP's crop beside each PNG (the default) and without, to show what the crop adds;
                // camera-size photos with the stored PNG bounded to 1024 px (the default) and at full size.
                foreach (var (kind, files, options) in new[]
                {
                    ("small images (320x240 PNG)", images, new IngestOptions()),
                    ("  the same, no CLIP crops", images, new IngestOptions { ClipCrops = false }),
                    ("photos (4000x3000 JPEG)", photos, new IngestOptions()),
                    ("  the same, full-size PNG", photos, new IngestOptions { StoredImageMaxSide = 0 }),
                    ("short audio (3 s WAV)", audio, new IngestOptions()),
                })
                {
                    var tools = new ToolRunner(new MediaToolOptions());
                    var probe = new MediaProbe(tools);
                    var raw = await TimeAsync(files, async (path, token) =>
                    {
                        await using (var stream = File.OpenRead(path))
                        {
                            await SHA256.HashDataAsync(stream, token);
                        }
                        await probe.ProbeAsync(path, token);
                    });

                    await using var database = await TestDatabase.CreateAsync();
                    await new SourceStore(database.DataSource).EnsureSourceAsync("bench", "folder", folder, CancellationToken.None);
                    var artifacts = Path.Combine(folder, "artifacts-" + Guid.NewGuid().ToString("N")[..6]);
                    var decoder = new MediaDecoder(probe, tools, new FrameExporter(tools, pngMaxSide: options.StoredImageMaxSide), new FileSystemArtifactStore(artifacts),
                        new IngestScratch(NullLogger<IngestScratch>.Instance), Microsoft.Extensions.Options.Options.Create(options),
                        Microsoft.Extensions.Options.Options.Create(new ImageLimitOptions()), NullLogger<MediaDecoder>.Instance);
                    var ingestor = new MediaIngestor(new MediaStore(database.DataSource), new SidecarStore(database.DataSource), decoder, bus,
                        Microsoft.Extensions.Options.Options.Create(options), NullLogger<MediaIngestor>.Instance);
                    var outcomes = new System.Collections.Concurrent.ConcurrentBag<IngestOutcome>();
                    var ingest = await TimeAsync(files, async (path, token) =>
                        outcomes.Add(await ingestor.IngestFileAsync(new ObjectRef("bench", Path.GetFileName(path), null, new FileInfo(path).Length), path, token)));
                    if (outcomes.Count(o => o == IngestOutcome.Accepted) != files.Count)
                    {
                        throw new InvalidOperationException($"only {outcomes.Count(o => o == IngestOutcome.Accepted)} of {files.Count} files were accepted");
                    }

                    var rawRate = files.Count / raw.TotalSeconds;
                    var ingestRate = files.Count / ingest.TotalSeconds;
                    var stored = Directory.EnumerateFiles(artifacts, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
                    var input = files.Sum(f => new FileInfo(f).Length);
                    Console.WriteLine($"{kind,-28} {files.Count,4} files  raw {rawRate,7:F1} files/s  ingest {ingestRate,7:F1} files/s  ratio {ingestRate / rawRate:F2}  " +
                        $"stored {stored / (double)input:F2}x the input");
                }
            }
            finally
            {
                await bus.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        Console.WriteLine();
    }

    private static List<string> Make(string folder, string name, int count, Func<int, string[]> source, string extension)
    {
        var files = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, $"{name}-{i:D3}.{extension}");
            TestMedia.Ffmpeg([.. source(i), path]);
            files.Add(path);
        }
        return files;
    }

    private static async Task<TimeSpan> TimeAsync(IReadOnlyList<string> files, Func<string, CancellationToken, ValueTask> work)
    {
        await work(files[0], CancellationToken.None); // warm-up: the first process start, JIT and connections
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(files.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, work);
        return clock.Elapsed * files.Count / (files.Count - 1);
    }
}
